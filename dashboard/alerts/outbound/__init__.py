"""Alerts told to people outside the room: a signed webhook, e-mail over SMTP, a CAP 1.2 feed.

- `payload`: the notice's stable JSON shape (the outbox keeps it, webhooks receive it);
- `cap`: CAP 1.2 documents and their Atom index, pure functions of an alert's notices;
- `channels`: one attempt at a webhook or an e-mail, and what it came to;
- `dispatch`: `OutboundNotifier` (the engine's `Notifier`: records each notice in the outbox)
  and `DeliveryWorker` (delivers the outbox with retries, from a thread of its own);
- `routes`: `/cap/alerts.atom` and `/cap/alerts/<id>.xml`.
"""
