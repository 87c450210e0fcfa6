"""``detector keys create|list|revoke``: the service's API keys (stored hashed; a key is shown once)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from detector.cli.common import err, out
from detector.cli.database import open_store
from detector.service.settings import Settings

keys_app = typer.Typer(no_args_is_help=True, help="Manage API keys (stored hashed; a key is shown once).")


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    tenant: Annotated[
        str | None,
        typer.Option(help="share jobs and outcomes with the other keys of this tenant (default: a tenant of its own)"),
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="the key sees every tenant's jobs, uploads and outcomes")
    ] = False,
) -> None:
    """Create a key and print it once; only its hash is stored. A key sees only its tenant's data, an admin key
    every tenant's (what it creates belongs to its own tenant)."""
    from detector.service.store import check_tenant

    try:
        tenant = check_tenant(tenant) if tenant is not None else None
    except ValueError as exc:
        err.print(f"[red]error:[/red] --tenant: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    key = open_store(Settings()).create_key(name, tenant, admin=admin)
    role = "admin key (sees every tenant's data)" if admin else "API key"
    out.print(f"{role} for {name!r} (shown once; send it as the X-API-Key header):")
    out.print(key, highlight=False, soft_wrap=True)


@keys_app.command("list")
def list_keys() -> None:
    """List keys: id, name, tenant, admin, prefix, created, revoked."""
    table = Table("id", "name", "tenant", "admin", "prefix", "created", "revoked")
    for k in open_store(Settings()).list_keys():
        revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        created = f"{k.created_at:%Y-%m-%d %H:%M}"
        table.add_row(str(k.id), k.name, k.tenant, "admin" if k.admin else "", k.prefix + "…", created, revoked)
    out.print(table)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[int, typer.Argument(help="id from `detector keys list`")]) -> None:
    """Revoke a key: requests with it get 403 from then on."""
    if not open_store(Settings()).revoke_key(key_id):
        err.print(f"[red]error:[/red] no active key with id {key_id}")
        raise typer.Exit(2)
    out.print(f"key {key_id} revoked")
