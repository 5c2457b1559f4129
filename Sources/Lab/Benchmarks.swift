import Probability

/// `vaelab bench`: throughput figures, measured here and now. Timing lives in
/// this benchmark, never in tests.
public enum Benchmarks {
  public struct Figure: Sendable {
    public var name: String
    public var value: Double
    public var unit: String
  }

  /// Each figure is the best of `repeats` timed runs of `count` draws, to
  /// discount a busy machine.
  public static func run(count: Int = 20_000_000, repeats: Int = 5) -> [Figure] {
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: 1 << 16)
    defer { buffer.deallocate() }
    var generator = Xoshiro256StarStar(seed: 0)
    var sink = 0.0
    let normals = best(of: repeats) {
      for _ in 0..<max(1, count >> 16) {
        NormalSampler.fill(buffer, using: &generator)
        sink += buffer[0]
      }
    }
    let uniforms = best(of: repeats) {
      var total: UInt64 = 0
      for _ in 0..<count { total &+= generator.next() }
      sink += Double(total & 1)
    }
    let sampleCommand = best(of: repeats) {
      let summary = try? Reparameterisation.sample(
        mean: [2], standardDeviation: [1], count: count, keep: 5, binCount: 16, using: &generator)
      sink += summary?.moments[0].mean ?? 0
    }
    let monteCarlo = best(of: repeats) {
      let moments = try? GaussianKL.monteCarlo(
        DiagonalGaussian(mean: [1], standardDeviation: [2]), from: .standard(dimension: 1), count: count,
        using: &generator)
      sink += moments?.mean ?? 0
    }
    let gradient = best(of: repeats) {
      guard let expression = try? Expression(parsing: "(z - 3)^2"),
        let f = try? CompiledExpression(expression, parameters: [:])
      else { return }
      let problem = GradientProblem(f: f, polynomial: nil, mu: 1, sigma: 1)
      let moments = try? problem.sample(count: count / 20, baseline: .mean, using: &generator)
      sink += moments?[.pathwise]?[.mu]?.mean ?? 0
    }
    withExtendedLifetime(sink) {}
    let normalsDone = Double(max(1, count >> 16) << 16)
    return [
      Figure(name: "uniform 64-bit words (xoshiro256**)", value: Double(count) / uniforms / 1e6, unit: "million/s"),
      Figure(name: "standard normals (ziggurat)", value: normalsDone / normals / 1e6, unit: "million/s"),
      Figure(
        name: "sample: z = mu + sigma * eps with moments and histogram", value: Double(count) / sampleCommand / 1e6,
        unit: "million/s"),
      Figure(name: "kl mc: Monte Carlo KL draws", value: Double(count) / monteCarlo / 1e6, unit: "million/s"),
      Figure(
        name: "grad: draws, all four estimators for mu and sigma", value: Double(count / 20) / gradient / 1e6,
        unit: "million/s"),
    ]
  }

  static func best(of repeats: Int, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    var fastest = Double.infinity
    for _ in 0..<repeats {
      let elapsed = clock.measure(body)
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      fastest = min(fastest, seconds)
    }
    return fastest
  }

  public static func output(_ figures: [Figure]) -> Output {
    var table = TextTable([("benchmark", .left), ("throughput", .right), ("", .left)])
    for figure in figures { table.append([figure.name, NumberFormat.fixed(figure.value, 1), figure.unit]) }
    let json = JSON.object(
      figures.map { ($0.name, .object([("value", .number($0.value)), ("unit", .string($0.unit))])) })
    return Output(text: table.rendered, json: json)
  }
}
