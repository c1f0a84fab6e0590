Feature: The README's example works as shown
  Scenario: Fitting y = x*x with a Sigmoid hidden layer and a Rectifier output
    When the README's usage example is run
    Then its final cost is below 4
    And it took less than 5 seconds
