from iris_nn.cli import main

main()
