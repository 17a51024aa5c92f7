"""The drill-down pages' shared frame: filters from the URL, the page frame and its callbacks, the tables and the asset detail."""
