from posttime.cli import run

run()
