"""Access policy: levels, principals, grants, the engine that decides and
explains, and the data rooms built from its decisions."""
