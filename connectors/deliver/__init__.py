"""Alert delivery channels: signed webhooks (Standard Webhooks; our JSON or Slack/Mattermost text), e-mail over
SMTP, a Kafka topic per subscriber, and daily JSONL files; plus the delivery step's durable state (store.py).
Each channel answers one delivery attempt with an Outcome and never raises for the receiver's faults."""
