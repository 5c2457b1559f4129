import NeuralNet
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
}
