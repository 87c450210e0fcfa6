"""The HTTP scoring service: a thin FastAPI layer over the public ``detector`` API (issue 5).

``detector.service.app.create_app(Settings())`` builds it; ``detector serve`` runs it. Nothing is
imported here, so the CLI's other commands do not pay for the web stack.
"""
