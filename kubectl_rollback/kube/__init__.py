"""The cluster gateway: the only package that imports the kubernetes client."""
