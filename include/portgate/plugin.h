/* portgate plugin ABI: see docs/plugin-guide.md */
