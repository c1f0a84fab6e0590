@mnist
Feature: Nets learn to read and to draw the MNIST digits
  With the real MNIST files (found through MNIST_DIR), a short run of
  stochastic gradient descent gives a net that reads handwritten digits, and
  a net trained on the pairs reversed draws digits that such a reader recognises.

  Scenario Outline: A net with <hidden> hidden units reads digits after a short run
    Given the MNIST training and test sets
    And a float32 net of sizes <sizes> with <hidden> hidden units and a <output> output
    And the cross-entropy cost with an L2 term of <l2>
    When it learns from the MNIST training set for <epochs> epochs in mini-batches of <batch>, learning rate <rate>
    Then it reads at least <percent>% of the MNIST test digits correctly

    Examples:
      | sizes            | hidden    | output  | l2     | epochs | batch | rate | percent |
      | 784, 100, 10     | Sigmoid   | Sigmoid | 0      | 2      | 10    | 0.5  | 96      |
      | 784, 200, 100, 10 | Rectifier | Softmax | 0.0001 | 3      | 20    | 0.1  | 97      |

  Scenario: A net trained on the pairs reversed draws digits a reader recognises
    Given the MNIST training and test sets
    And a float32 net of sizes 784, 200, 100, 10 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost with an L2 term of 0.0001
    When it learns from the MNIST training set for 3 epochs in mini-batches of 20, learning rate 0.1
    And a 10-100-300-784 generator learns to draw each training image from its one-hot code plus noise of std 0.2 for 2 epochs
    Then the reader recognises all ten digits drawn from clean one-hot codes
    And the reader recognises at least 95% of 1000 digits drawn from one-hot codes plus noise of std 0.2
