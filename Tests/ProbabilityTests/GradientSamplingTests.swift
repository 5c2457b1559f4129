import RealModule
import Testing

@testable import Probability

/// The fused sampler against the plain one-draw estimators (GradientProblem.OneDraw)
/// on the same draws, taken in the sampler's documented order.
struct GradientSamplingTests {
  @Test(arguments: ["sin(z) + z^2", "exp(-(z-1)^2)", "abs(z - 0.3)"])
  func theFusedSamplerEqualsTheOneDrawReferences(text: String) throws {
    let f = try CompiledExpression(try Expression(parsing: text), parameters: [:])
    let (mu, sigma, count) = (0.7, 1.3, 50)
    let problem = GradientProblem(f: f, polynomial: nil, mu: mu, sigma: sigma)
    var generator = Xoshiro256StarStar(seed: 11)
    let fused = try problem.sample(count: count, baseline: .mean, using: &generator)

    // The same draws: the normals of every row, three normals per row for the
    // Maxwell magnitudes, then per row the Rayleigh's uniform, M's sign, and U.
    var replay = Xoshiro256StarStar(seed: 11)
    let x = (0..<count).map { _ in NormalSampler.next(using: &replay) }
    let maxwell = (0..<(3 * count)).map { _ in NormalSampler.next(using: &replay) }
    var pathwise: [(mu: Double, sigma: Double)] = []
    var score: [(mu: Double, sigma: Double)] = []
    var measure: [(mu: Double, sigma: Double)] = []
    for row in 0..<count {
      let w = (-2 * Double.log(replay.nextUniformPositive())).squareRoot()
      let (a, b, c) = (maxwell[3 * row], maxwell[3 * row + 1], maxwell[3 * row + 2])
      let m = (replay.next() & 1 == 0 ? 1.0 : -1.0) * (a * a + b * b + c * c).squareRoot()
      let u = replay.nextUniform()
      pathwise.append(GradientProblem.OneDraw.pathwise(f, mu: mu, sigma: sigma, x: x[row]))
      score.append(GradientProblem.OneDraw.score(f, mu: mu, sigma: sigma, x: x[row]))
      measure.append(GradientProblem.OneDraw.measureValued(f, mu: mu, sigma: sigma, w: w, m: m, u: u))
    }
    // The leave-one-out mean baseline: each draw's b is the mean of the others' f.
    let values = x.map { f.evaluate(at: mu + sigma * $0).value }
    let total = values.reduce(0, +)
    let withBaseline = (0..<count).map { row in
      GradientProblem.OneDraw.score(
        f, mu: mu, sigma: sigma, x: x[row], baseline: (total - values[row]) / Double(count - 1))
    }

    func expectClose(_ estimator: GradientProblem.Estimator, _ draws: [(mu: Double, sigma: Double)]) {
      for (parameter, column) in [(GradientProblem.Parameter.mu, draws.map(\.mu)), (.sigma, draws.map(\.sigma))] {
        let reference = RunningMoments(column)
        guard let sampled = fused[estimator]?[parameter]?.moments else {
          Issue.record("no \(estimator) for \(parameter)")
          continue
        }
        #expect(sampled.count == count)
        #expect(abs(sampled.mean - reference.mean) <= 1e-12 * max(1, abs(reference.mean)), "\(estimator) \(parameter)")
        #expect(
          abs(sampled.variance - reference.variance) <= 1e-10 * max(1, reference.variance), "\(estimator) \(parameter)")
      }
    }
    expectClose(.pathwise, pathwise)
    expectClose(.score, score)
    expectClose(.measureValued, measure)
    expectClose(.scoreWithBaseline, withBaseline)
  }
}
