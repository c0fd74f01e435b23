"""Where Shuzhi keeps its data: one home folder, laid out by concern."""
