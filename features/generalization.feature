Feature: A trained net generalizes to examples it has not seen
  Sequences of 10 numbers are drawn from one of three normal distributions;
  a net learns to tell which, and is right on new sequences too.

  Scenario Outline: Telling distributions apart with <method>
    Given 1500 training and 500 test sequences of 10 numbers from three distributions
    And a net of sizes 10, 30, 3 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost with an L2 term of 0.0001
    When it is trained with <method> for <epochs> epochs, learning rate <rate>
    Then it classifies at least 90% of the test sequences correctly

    Examples:
      | method                      | epochs | rate |
      | full-batch gradient descent | 300    | 0.5  |
      | stochastic gradient descent | 20     | 0.05 |
