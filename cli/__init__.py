"""The ``shuzhi`` command line. Heavy libraries load inside the commands that need them."""
