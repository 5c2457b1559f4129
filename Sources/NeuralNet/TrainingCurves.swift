import Probability

/// Copies of one model trained side by side, one per gradient estimator for the
/// encoder (`LatentGradientEstimator`), from the same weights, with the same
/// batches and the same noise (one seed): what differs between the curves is
/// the estimator alone. Each curve is the held-out -ELBO (`Evaluation`) at the
/// start and every `every` steps.
public struct TrainingCurves: Sendable {
  public struct Curve: Sendable {
    public var estimator: LatentGradientEstimator
    /// (steps taken, held-out -ELBO per example).
    public var points: [(step: Int, negativeELBO: Double)]
    /// The step whose loss or gradients were not finite, where this copy stopped.
    public var stoppedAt: Int?
  }

  public var curves: [Curve]

  public struct Setup: Sendable {
    public var examples: [Float]
    public var heldOut: [Float]
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var learningRate: Double

    public init(examples: [Float], heldOut: [Float], batchSize: Int, optimizer: OptimizerKind, learningRate: Double) {
      (self.examples, self.heldOut, self.batchSize, self.optimizer, self.learningRate) = (
        examples, heldOut, batchSize, optimizer, learningRate
      )
    }
  }

  /// Trains a copy of `model` (which is not changed) `steps` steps with each
  /// of `estimators`, each with a fresh optimizer and a generator from `seed`.
  /// `progress` hears the fraction done.
  public init(
    model: VAE<Float>, setup: Setup, estimators: [LatentGradientEstimator], steps: Int, every: Int, seed: UInt64,
    shouldStop: () -> Bool = { false }, progress: (Double) -> Void = { _ in }
  ) throws(Interrupted) {
    let d = model.configuration.inputs
    let heldOutCount = setup.heldOut.count / d
    curves = []
    for (position, estimator) in estimators.enumerated() {
      let copy = model.converted(to: Float.self)
      copy.estimator = estimator
      let trainer = Trainer(
        model: copy, optimizer: Optimizer(setup.optimizer, learningRate: setup.learningRate),
        examples: setup.examples, batchSize: setup.batchSize, generator: Xoshiro256StarStar(seed: seed))
      var curve = Curve(
        estimator: estimator,
        points: [
          (0, try Evaluation(copy, rows: setup.heldOut, count: heldOutCount, shouldStop: shouldStop).negativeELBO)
        ],
        stoppedAt: nil)
      for step in 1...max(1, steps) {
        if shouldStop() { throw Interrupted() }
        do { try trainer.step() } catch {
          if case .notFinite(let failed, _) = error { curve.stoppedAt = failed }
          break
        }
        if step % every == 0 || step == steps {
          curve.points.append(
            (step, try Evaluation(copy, rows: setup.heldOut, count: heldOutCount, shouldStop: shouldStop).negativeELBO))
        }
        progress((Double(position) + Double(step) / Double(steps)) / Double(estimators.count))
      }
      curves.append(curve)
    }
  }
}
