Feature: Save a trained net, restore it, and continue training
  A net saved to a JSON file comes back exactly as it was, and training
  can go on from where it stopped.

  Scenario: Save, restore and continue
    Given 100 examples of y = sin(x)^2 for x in [0, 3]
    And a net of sizes 1, 30, 1 with Sigmoid hidden units and a Sigmoid output
    And the quadratic cost
    When it is trained with stochastic gradient descent for 50 epochs, batches of 10, learning rate 2.0
    And the net is saved to a file and restored from it
    Then the restored net gives the same outputs as the original
    When the restored net is trained for 100 more epochs
    Then its cost is lower than when it was saved
