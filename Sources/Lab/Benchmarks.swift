import NeuralNet
import Probability

/// `vaelab bench`: throughput figures, measured here and now. Timing lives in
/// this benchmark, never in tests.
public enum Benchmarks {
  public struct Figure: Encodable, Sendable {
    public var name: String
    public var value: Double
    public var unit: String

    enum CodingKeys: String, CodingKey { case value, unit }
  }

  /// The figures as a table, and in JSON each name to its value and unit.
  public struct Report: CommandResult {
    public var figures: [Figure]

    public init(figures: [Figure]) { self.figures = figures }

    public func encode(to encoder: any Encoder) throws {
      try JSONMembers(figures.map { ($0.name, $0) }).encode(to: encoder)
    }

    public func text(for presentation: Presentation) -> String {
      var table = TextTable([("benchmark", .left), ("figure", .right), ("", .left)])
      for figure in figures {
        table.append([figure.name, NumberFormat.fixed(figure.value, figure.unit == "ms" ? 3 : 1), figure.unit])
      }
      return table.rendered
    }
  }

  /// Groups of figures `vaelab bench --only` can pick.
  public enum Group: String, CaseIterable, Sendable {
    case sampling, grad, vae, bound
  }

  /// Each figure is the best of `repeats` timed runs of `count` draws, to
  /// discount a busy machine.
  public static func run(count: Int = 20_000_000, repeats: Int = 5, groups: Set<Group> = Set(Group.allCases))
    -> [Figure]
  {
    var figures: [Figure] = []
    if groups.contains(.sampling) { figures += sampling(count: count, repeats: repeats) }
    if groups.contains(.grad) { figures.append(gradient(count: count / 20, repeats: repeats)) }
    if groups.contains(.vae) {
      figures.append(
        vaeStep(inputs: 784, hidden: 400, latent: 20, batch: 128, steps: max(5, count / 400_000), repeats: repeats))
      figures.append(
        vaeStep(inputs: 64, hidden: 128, latent: 8, batch: 64, steps: max(20, count / 20_000), repeats: repeats))
    }
    if groups.contains(.bound) { figures += bound(examples: max(1, count / 48_000)) }
    return figures
  }

  /// Draws per second of the generator, the normal sampler, `sample` and `kl mc=`.
  static func sampling(count: Int, repeats: Int) -> [Figure] {
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
    withExtendedLifetime(sink) {}
    let normalsDone = Double(max(1, count >> 16) << 16)
    return [
      Figure(name: "uniform 64-bit words (xoshiro256**)", value: Double(count) / uniforms / 1e6, unit: "million/s"),
      Figure(name: "standard normals (ziggurat)", value: normalsDone / normals / 1e6, unit: "million/s"),
      Figure(
        name: "sample: z = mu + sigma * eps with moments and histogram", value: Double(count) / sampleCommand / 1e6,
        unit: "million/s"),
      Figure(name: "kl mc: Monte Carlo KL draws", value: Double(count) / monteCarlo / 1e6, unit: "million/s"),
    ]
  }

  /// Draws per second of `grad`: all four estimators for mu and sigma in one pass.
  static func gradient(count: Int, repeats: Int) -> Figure {
    var generator = Xoshiro256StarStar(seed: 0)
    var sink = 0.0
    let seconds = best(of: repeats) {
      guard let expression = try? Expression(parsing: "(z - 3)^2"),
        let f = try? CompiledExpression(expression, parameters: [:])
      else { return }
      let problem = GradientProblem(f: f, polynomial: nil, mu: 1, sigma: 1)
      let moments = try? problem.sample(count: count, baseline: .mean, using: &generator)
      sink += moments?[.pathwise]?[.mu]?.moments.mean ?? 0
    }
    withExtendedLifetime(sink) {}
    return Figure(
      name: "grad: draws, all four estimators for mu and sigma", value: Double(count) / seconds / 1e6, unit: "million/s"
    )
  }

  /// Milliseconds per training step (forward, backward, Adam) of the VAE with
  /// these sizes on random data in [0, 1], float32, with the fastest OpenBLAS
  /// thread count of 1 and 2 (OpenBLAS's kernels and the chosen count are part of the figure's name).
  public static func vaeStep(inputs: Int, hidden: Int, latent: Int, batch: Int, steps: Int, repeats: Int = 5)
    -> Figure
  {
    var best = (milliseconds: Double.infinity, threads: 1)
    let threadCount = MatrixBackend.threadCount
    defer { MatrixBackend.threadCount = threadCount }
    for threads in [1, 2] {
      MatrixBackend.threadCount = threads
      var generator = Xoshiro256StarStar(seed: 0)
      let model = VAE<Float>(VAEConfiguration(inputs: inputs, hidden: hidden, latent: latent), generator: &generator)
      let examples = (0..<(4 * batch * inputs)).map { _ in Float(generator.nextUniform()) }
      let trainer = Trainer(
        model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: examples, batchSize: batch,
        generator: generator)
      for _ in 0..<10 { _ = try? trainer.step() }
      let seconds = Self.best(of: repeats) { for _ in 0..<steps { _ = try? trainer.step() } }
      if seconds * 1000 / Double(steps) < best.milliseconds { best = (seconds * 1000 / Double(steps), threads) }
    }
    return Figure(
      name:
        "vae step \(inputs)-\(hidden)-\(latent), batch \(batch), float32 (OpenBLAS \(MatrixBackend.kernels), \(best.threads) thread\(best.threads == 1 ? "" : "s"))",
      value: best.milliseconds, unit: "ms")
  }

  /// Seconds for `vae bound`'s pieces over the first `examples` held-out
  /// examples (all 410 by default) of a 2-D shapes model (hidden 128, seed 1,
  /// 1500 steps, as lesson 5's): IWAE with k = 1000 (one replicate per
  /// example), log p(x) by quadrature, and the ELBO's exact expectation. Once
  /// each: over the whole set they take minutes.
  static func bound(examples count: Int) -> [Figure] {
    let data = VAECommand.shapes
    var generator = Xoshiro256StarStar(seed: 1)
    let model = VAE<Float>(VAEConfiguration(inputs: 256, hidden: 128, latent: 2), generator: &generator)
    let trainer = Trainer(
      model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: data.training, batchSize: 64,
      generator: generator)
    for _ in 0..<1500 { _ = try? trainer.step() }
    let examples = (0..<min(count, data.heldOutCount)).map {
      model.marginalLikelihood(of: Array(data.heldOut[($0 * 256)..<(($0 + 1) * 256)]))
    }
    var draws = Xoshiro256StarStar(seed: 2)
    let held = examples.count == 1 ? "the first held-out example" : "\(examples.count) held-out examples"
    let name = "over \(held) of a 2-D shapes model (OpenBLAS \(MatrixBackend.kernels))"
    return [
      Figure(
        name: "vae bound: IWAE k=1000 " + name,
        value: best(of: 1) {
          for q in examples { _ = try? q.importanceWeighted(k: 1000, replicates: 1, using: &draws) }
        },
        unit: "s"),
      Figure(
        name: "vae bound: log p(x) by quadrature " + name,
        value: best(of: 1) { for q in examples { _ = try? q.logMarginal() } }, unit: "s"),
      Figure(
        name: "vae bound: exact ELBO by quadrature " + name,
        value: best(of: 1) { for q in examples { _ = try? q.expectedELBO() } }, unit: "s"),
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
}
