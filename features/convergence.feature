Feature: A net learns to approximate a function
  A feed-forward net with one hidden layer can fit a smooth curve,
  whichever cost it minimizes.

  Scenario Outline: Fitting sin(x)^2 with the <cost> cost
    Given 100 examples of y = sin(x)^2 for x in [0, 3]
    And a net of sizes 1, 30, 1 with Sigmoid hidden units and a Sigmoid output
    And the <cost> cost
    When it is trained with stochastic gradient descent for 600 epochs, batches of 10, learning rate <rate>
    Then the mean absolute error of its fit is below 0.03
    And the cost fell to less than a tenth of the way from the lowest possible to where it started

    Examples:
      | cost          | rate |
      | quadratic     | 2.0  |
      | cross-entropy | 0.5  |
