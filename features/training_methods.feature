Feature: Train the way peers do: momentum, Nesterov, Adam, dropout, schedules and early stopping
  Sequences of 10 numbers are drawn from one of three normal distributions;
  each training method teaches a net to tell which, and a run saved to a
  checkpoint goes on exactly as one never stopped.

  Scenario Outline: Telling distributions apart with <method>
    Given 1500 training and 500 test sequences of 10 numbers from three distributions
    And a net of sizes 10, 30, 3 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost with an L2 term of 0.0001
    When it is trained with <method> for <epochs> epochs, learning rate <rate>
    Then it classifies at least 90% of the test sequences correctly

    Examples:
      | method                                                 | epochs | rate  |
      | stochastic gradient descent with momentum 0.9          | 20     | 0.005 |
      | stochastic gradient descent with Nesterov momentum 0.9 | 20     | 0.005 |
      | Adam                                                   | 20     | 0.003 |
      | stochastic gradient descent with dropout 0.3           | 30     | 0.05  |
      | full-batch gradient descent with momentum 0.9          | 100    | 0.1   |

  Scenario: An exponential schedule lowers the learning rate after every epoch
    Given 1500 training and 500 test sequences of 10 numbers from three distributions
    And a net of sizes 10, 30, 3 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost with an L2 term of 0.0001
    When it is trained with stochastic gradient descent with momentum 0.9 for 4 epochs, learning rate 0.01, the rate times 0.5 after each epoch
    Then the learning rates of the epochs were 0.01, 0.005, 0.0025 and 0.00125
    And it classifies at least 85% of the test sequences correctly

  Scenario: Reduce-on-plateau lowers the learning rate once the evaluation cost stops falling
    Given 1500 training and 500 test sequences of 10 numbers from three distributions
    And a net of sizes 10, 30, 3 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost
    When it is trained with Adam for 40 epochs, learning rate 0.01, reducing the rate on a plateau of the test cost
    Then the learning rate fell at least once
    And it classifies at least 90% of the test sequences correctly

  Scenario: Early stopping keeps the net of the best epoch
    Given 300 training and 500 test sequences of 10 numbers from three distributions
    And a net of sizes 10, 100, 3 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost
    When it is trained with Adam for 200 epochs, learning rate 0.01, stopping early with a patience of 5 on a validation fifth
    Then training stopped before 200 epochs
    And the net gives the validation cost of its best epoch

  Scenario: Dropout thins the net in training only
    Given 1500 training and 500 test sequences of 10 numbers from three distributions
    And a net of sizes 10, 30, 3 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost
    When it is trained with stochastic gradient descent with dropout 0.5 for 3 epochs, learning rate 0.05
    Then the net gives the same outputs every time it is asked

  Scenario Outline: A run with <method>, dropout and a schedule, stopped and resumed from a checkpoint in another process, ends as an unbroken run
    Given 1500 training and 500 test sequences of 10 numbers from three distributions
    And a net of sizes 10, 30, 3 with Rectifier hidden units and a Softmax output
    And the cross-entropy cost
    When it is trained with <method> and dropout 0.2 for 2 epochs, learning rate <rate>, the rate times 0.8 after each epoch, and saved to a checkpoint
    And another process resumes the checkpoint and trains 3 more epochs
    Then its net is, bit for bit, the net of 5 epochs trained without a stop

    Examples:
      | method                                                 | rate  |
      | stochastic gradient descent with momentum 0.9          | 0.005 |
      | stochastic gradient descent with Nesterov momentum 0.9 | 0.005 |
      | Adam                                                   | 0.003 |
