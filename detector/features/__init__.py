"""Features from the calendar and the weather, computed in each series' local time zone."""

from detector.features.calendar import Calendar, CalendarSpec, calendar_features

__all__ = ["Calendar", "CalendarSpec", "calendar_features"]
