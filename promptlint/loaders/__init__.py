"""Located data loaders: YAML and JSON into Nodes that keep their source spans."""
