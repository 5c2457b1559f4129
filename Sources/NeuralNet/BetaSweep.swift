import Probability

/// The reconstruction-KL tension, traced: one model per beta, each from the
/// same initialisation and the same batches and noise, trained the same
/// number of steps, then measured on held-out data. Rate = KL and distortion
/// = reconstruction, both in nats (Alemi et al. 2018, "Fixing a broken
/// ELBO"); active units (Burda et al. 2016); and the signs of posterior
/// collapse: encodings that say nothing about their input (mu near 0 and
/// sigma near 1 for every x) and prior samples that all decode to one image.
public struct BetaSweep: Sendable {
  public struct Point: Sendable {
    public var beta: Double
    /// Held-out losses from one fixed draw of eps (`Evaluation`), with the
    /// KL per dimension and the active units.
    public var evaluation: Evaluation
    /// |mu| averaged over held-out examples and latent dimensions.
    public var meanAbsoluteMu: Double
    /// sigma = exp(logvar / 2) averaged the same way.
    public var meanSigma: Double
    /// The root-mean-square distance of decoded prior samples from their
    /// mean decode, over the same for held-out examples from their mean: near
    /// 0 when every sample decodes to the mean image, near 1 when samples vary
    /// as much as data.
    public var sampleSpread: Double
    /// Training steps taken (fewer than asked when a step was not finite).
    public var steps: Int
    public var seconds: Double
  }

  public var points: [Point]
  /// Whether Ctrl-C stopped the sweep before every beta was done.
  public var wasInterrupted: Bool

  /// How each model is made and trained.
  public struct Setup: Sendable {
    public var configuration: VAEConfiguration
    public var optimizer: OptimizerKind
    public var learningRate: Double
    public var batchSize: Int
    /// Seeds the weights, then the batches and noise, as `vae new` does.
    public var seed: UInt64

    public init(
      configuration: VAEConfiguration, optimizer: OptimizerKind, learningRate: Double, batchSize: Int, seed: UInt64
    ) {
      self.configuration = configuration
      self.optimizer = optimizer
      self.learningRate = learningRate
      self.batchSize = batchSize
      self.seed = seed
    }
  }

  /// Trains and measures one model per beta, in order. `progress` hears the
  /// beta's index, the steps taken, and the steps asked; Ctrl-C (`shouldStop`)
  /// ends the sweep with the models finished so far.
  public init(
    setup: Setup, betas: [Double], steps: Int, data: Dataset, samples: Int = 256,
    shouldStop: () -> Bool = { false }, progress: (Int, Int) -> Void = { _, _ in }
  ) {
    points = []
    wasInterrupted = false
    let clock = ContinuousClock()
    let l = setup.configuration.latent
    for (index, beta) in betas.enumerated() {
      let started = clock.now
      var configuration = setup.configuration
      configuration.beta = beta
      var generator = Xoshiro256StarStar(seed: setup.seed)
      let model = VAE<Float>(configuration, generator: &generator)
      let trainer = Trainer(
        model: model, optimizer: Optimizer(setup.optimizer, learningRate: setup.learningRate),
        examples: data.training, batchSize: setup.batchSize, generator: generator)
      let evaluation: Evaluation
      do throws(Interrupted) {
        _ = try trainer.train(steps, shouldStop: shouldStop) { taken, _ in
          if taken % 50 == 0 { progress(index, taken) }
        }
        evaluation = try Evaluation(model, rows: data.heldOut, count: data.heldOutCount, shouldStop: shouldStop)
      } catch {
        wasInterrupted = true
        return
      }
      let used = min(data.heldOutCount, Evaluation.exampleLimit)
      let (mu, logvar) = model.encode(Array(data.heldOut[0..<(used * data.dimension)]))
      let meanAbsoluteMu = mu.reduce(0) { $0 + abs(Double($1)) } / Double(max(mu.count, 1))
      let meanSigma = logvar.reduce(0) { $0 + Double.exp(Double($1) / 2) } / Double(max(logvar.count, 1))
      var sampler = Xoshiro256StarStar(seed: Evaluation.noiseSeed)
      let z = (0..<(samples * l)).map { _ in Float(NormalSampler.next(using: &sampler)) }
      let decodes = model.decode(z)
      let spread =
        Self.rootMeanSquareSpread(decodes, dimension: data.dimension)
        / max(Self.rootMeanSquareSpread(data.heldOut, dimension: data.dimension), 1e-12)
      points.append(
        Point(
          beta: beta, evaluation: evaluation, meanAbsoluteMu: meanAbsoluteMu, meanSigma: meanSigma,
          sampleSpread: spread, steps: trainer.steps, seconds: (clock.now - started) / .seconds(1)))
    }
  }

  /// sqrt(mean over rows of |row - mean row|^2): how much the rows vary.
  static func rootMeanSquareSpread(_ rows: [Float], dimension: Int) -> Double {
    let count = rows.count / dimension
    guard count > 1 else { return 0 }
    var mean = [Double](repeating: 0, count: dimension)
    for (index, value) in rows.enumerated() { mean[index % dimension] += Double(value) / Double(count) }
    var sum = 0.0
    for (index, value) in rows.enumerated() {
      let deviation = Double(value) - mean[index % dimension]
      sum += deviation * deviation
    }
    return (sum / Double(count)).squareRoot()
  }
}
