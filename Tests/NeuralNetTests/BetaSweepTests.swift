import NeuralNet
import Probability
import Testing

/// The beta sweep on `shapes`: active units fall as beta grows, and a large
/// beta collapses the posterior onto the prior.
struct BetaSweepTests {
  @Test func activeUnitsFallWithBetaAndALargeBetaCollapsesEveryUnit() {
    let data = BuiltInData.shapes()
    let setup = BetaSweep.Setup(
      configuration: VAEConfiguration(inputs: 256, hidden: 128, latent: 8), optimizer: .adam, learningRate: 1e-3,
      batchSize: 64, seed: 1)
    let betas = [0.25, 1, 4, 16, 200]
    let sweep = BetaSweep(setup: setup, betas: betas, steps: 1500, data: data)
    #expect(!sweep.wasInterrupted && sweep.points.map(\.beta) == betas)
    let active = sweep.points.map(\.evaluation.activeUnits)
    // Non-increasing, with a tolerance of one unit between neighbours (a unit
    // can sit at the 0.01 threshold).
    for (smaller, larger) in zip(active, active.dropFirst()) { #expect(larger <= smaller + 1, "\(active)") }
    #expect(active[0] > active[active.count - 1], "\(active)")
    // Rate falls and distortion rises from the smallest beta to the largest.
    let (first, last) = (sweep.points[0], sweep.points[sweep.points.count - 1])
    #expect(
      first.evaluation.kl > last.evaluation.kl && first.evaluation.reconstruction < last.evaluation.reconstruction)
    // Collapse at beta = 200: no active unit, every dimension's KL near 0,
    // mu near 0 and sigma near 1 for every input, samples all alike.
    #expect(last.evaluation.activeUnits == 0)
    #expect(last.evaluation.klPerDimension.allSatisfy { $0 < 0.05 }, "\(last.evaluation.klPerDimension)")
    #expect(last.meanAbsoluteMu < 0.1 && abs(last.meanSigma - 1) < 0.1, "\(last.meanAbsoluteMu), \(last.meanSigma)")
    #expect(last.sampleSpread < 0.1 && first.sampleSpread > 0.5, "\(first.sampleSpread), \(last.sampleSpread)")
  }

  @Test func ctrlCKeepsTheModelsFinishedSoFar() {
    let data = BuiltInData.shapes(count: 300, seed: 2)
    let setup = BetaSweep.Setup(
      configuration: VAEConfiguration(inputs: 256, hidden: 8, latent: 2), optimizer: .adam, learningRate: 1e-3,
      batchSize: 16, seed: 1)
    var calls = 0
    // Stop during the second model: the first is kept.
    let sweep = BetaSweep(
      setup: setup, betas: [1, 2, 3], steps: 20, data: data,
      shouldStop: {
        calls += 1
        return calls > 30
      })
    #expect(sweep.wasInterrupted && sweep.points.map(\.beta) == [1])
  }
}
