from recpilot.cli import main

main()
