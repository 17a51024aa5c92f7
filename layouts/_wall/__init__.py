"""The wall page's parts: its skeleton, the refresh callback's work and the map patch."""
