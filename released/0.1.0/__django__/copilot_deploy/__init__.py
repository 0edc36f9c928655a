"""Running Django on ECS with AWS Copilot: host names, database settings, health check and start-up commands."""
