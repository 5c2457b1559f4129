import NeuralNet
import Probability
import Testing

struct LatentPathsTests {
  @Test func aLineRunsEvenlyFromOneEndToTheOther() {
    let points = LatentPaths.line(from: [0, 2], to: [1, -2], steps: 5)
    #expect(points == [[0, 2], [0.25, 1], [0.5, 0], [0.75, -1], [1, -2]])
    // The ends are the encodings themselves, not rounded copies of them.
    let awkward = LatentPaths.line(from: [0.1, 1.0 / 3], to: [0.7, -2.9], steps: 7)
    #expect(awkward.first == [0.1, 1.0 / 3] && awkward.last == [0.7, -2.9])
  }

  @Test func aTraversalMovesOneDimensionOnly() {
    let points = LatentPaths.traversal(around: [0.5, -1, 2], dimension: 1, values: [-3, 0, 3])
    #expect(points == [[0.5, -3, 2], [0.5, 0, 2], [0.5, 3, 2]])
    #expect(LatentPaths.evenlySpaced(from: -3, to: 3, steps: 7) == [-3, -2, -1, 0, 1, 2, 3])
  }

  /// The axis puts 1 / n of the prior's mass in each cell: the cell edges,
  /// midway between axis points in probability, are the quantiles k / n.
  @Test func theInverseCDFAxisSplitsThePriorIntoEqualShares() {
    let axis = LatentPaths.inverseCDFAxis(count: 5)
    // Phi^-1(0.1), Phi^-1(0.3), 0, and their mirror images.
    let expected = [-1.281_551_565_544_601, -0.524_400_512_708_041, 0, 0.524_400_512_708_041, 1.281_551_565_544_601]
    for (value, target) in zip(axis, expected) { #expect(abs(value - target) < 1e-13) }
    let standard = NormalDistribution(mean: 0, standardDeviation: 1)
    for (k, value) in LatentPaths.inverseCDFAxis(count: 8).enumerated() {
      #expect(abs(standard.cumulativeProbability(value) - (Double(k) + 0.5) / 8) < 1e-14)
    }
  }

  @Test func aGridReadsLikeAPlot() {
    let points = LatentPaths.grid(axis: [-1, 1], latent: 3, dimensions: (2, 0))
    // Top row first (the second dimension, 0, at its largest), columns left to right along dimension 2.
    #expect(points == [[1, 0, -1], [1, 0, 1], [-1, 0, -1], [-1, 0, 1]])
  }
}
