# Convenience aliases for ./run.sh (the README's commands work without make).
.PHONY: demo test install lint eval
demo:
	./run.sh demo
test:
	./run.sh test
install:
	./run.sh install
lint: install
	.venv/bin/ruff check .
eval: install
	.venv/bin/newsevents eval
