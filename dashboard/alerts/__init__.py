"""The alert engine: rules in the config, alerts and their history in the store, notices out.

- `dashboard.alerts.notice`: `AlertNotice` and the `Notifier` protocol outbound channels implement.
"""
