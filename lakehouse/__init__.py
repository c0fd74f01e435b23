"""The DuckLake lakehouse: connection, layers and batch bookkeeping."""
