"""What every page shares: page metadata and components, the app shell (navigation), CSV downloads of tables."""
