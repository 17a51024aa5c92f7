"""The /reports page's parts: the report desk's list, one report's detail and workflow, and what both share."""
