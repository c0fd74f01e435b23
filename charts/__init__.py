"""Charts for people: matplotlib with a font that has Chinese glyphs."""
