"""The PR bot: post the report as one sticky pull-request comment, and pins as review suggestions.

client (REST, pagination, rate limits) -> context (which PR) -> diff (commentable
lines) -> sticky (the comment) and review (the suggestions) -> publish (both).
API facts: ../shared/docs/github-pr-api.md.
"""
