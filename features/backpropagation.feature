Feature: Back-propagation computes the exact gradient
  The gradient that back-propagation finds equals the numerical derivative
  of the cost, parameter by parameter.

  Scenario Outline: <hidden> hidden units, <output> output, <cost> cost, with L2
    Given a net of sizes 4, 6, 5, 3 with <hidden> hidden units and a <output> output
    And random parameters and 8 random examples
    And the <cost> cost with an L2 term of 0.1
    When the gradient is computed by back-propagation and by central differences
    Then they agree to a relative error below 1e-7

    Examples:
      | hidden         | output    | cost          |
      | Sigmoid        | Sigmoid   | quadratic     |
      | Sigmoid        | Sigmoid   | cross-entropy |
      | Rectifier      | Softmax   | cross-entropy |
      | Rectifier      | Softmax   | quadratic     |
      | Tanh           | Identity  | quadratic     |
      | Rectifier      | Rectifier | quadratic     |
      | Swish          | Softmax   | cross-entropy |
      | LeakyRectifier | Identity  | quadratic     |
      | Softplus       | Sigmoid   | cross-entropy |
      | Tanh           | Swish     | quadratic     |
