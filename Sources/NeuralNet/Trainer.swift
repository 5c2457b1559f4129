import Probability

/// Minibatch training of a VAE: each step takes the next `batchSize` examples of
/// a seeded shuffle, draws the reparameterisation noise, computes the loss and
/// gradients, and updates the weights. Buffers are allocated once; a step
/// allocates no arrays, only the small bookkeeping Dispatch and OpenBLAS's
/// threads make for each parallel call.
public final class Trainer<S: BLASScalar> {
  public let model: VAE<S>
  public let optimizer: Optimizer<S>
  public let batchSize: Int
  /// Training examples, row-major, `inputs` values each.
  public let examples: [S]
  public let exampleCount: Int
  /// Drives the shuffle and the noise; with the same seed, data and
  /// configuration, training is bit-identical.
  public private(set) var generator: Xoshiro256StarStar
  public private(set) var steps = 0
  private var order: [Int]
  private var cursor = 0
  /// The current batch and its noise: single allocations, freed with the trainer.
  private let batch: UnsafeMutablePointer<S>
  private let noise: UnsafeMutablePointer<S>
  private let normals: UnsafeMutableBufferPointer<Double>
  /// The model's trainable layers, fetched once: `model.layers` builds a new array.
  private let layers: [Linear<S>]

  /// `steps` counts steps already taken, for a model loaded from a checkpoint.
  public init(
    model: VAE<S>, optimizer: Optimizer<S>, examples: [S], batchSize: Int, generator: Xoshiro256StarStar, steps: Int = 0
  ) {
    self.steps = steps
    let inputs = model.configuration.inputs
    self.model = model
    self.optimizer = optimizer
    self.examples = examples
    exampleCount = examples.count / inputs
    self.batchSize = min(batchSize, max(1, exampleCount))
    self.generator = generator
    order = Array(0..<exampleCount)
    let noiseCount = self.batchSize * model.configuration.latent
    batch = .allocate(capacity: self.batchSize * inputs)
    batch.initialize(repeating: 0, count: self.batchSize * inputs)
    noise = .allocate(capacity: noiseCount)
    noise.initialize(repeating: 0, count: noiseCount)
    normals = .allocate(capacity: noiseCount)
    normals.initialize(repeating: 0)
    cursor = exampleCount  // shuffle before the first batch
    layers = model.layers.map(\.layer)
  }

  deinit {
    batch.deallocate()
    noise.deallocate()
    normals.deallocate()
  }

  /// Why a step was not taken.
  public enum StepError: Error, Equatable, Sendable {
    /// The loss or a gradient was NaN or infinite; the weights were left as they were.
    case notFinite(step: Int, losses: VAE<S>.Losses)
  }

  /// Up to `count` steps, asking `shouldStop` before each (and throwing when
  /// it says stop, the steps taken kept) and telling `progress` the steps taken
  /// and the last losses. A step that is not finite ends the run, and is
  /// returned.
  public func train(
    _ count: Int, shouldStop: () -> Bool, progress: (Int, VAE<S>.Losses) -> Void = { _, _ in }
  ) throws(Interrupted) -> StepError? {
    for taken in 0..<count {
      if shouldStop() { throw Interrupted() }
      do throws(StepError) { progress(taken + 1, try step()) } catch { return error }
    }
    return nil
  }

  /// One step; the weights are updated only when loss and gradients are finite.
  /// Specialised: vae step, sweep, compare and curves train through it (Float, from Lab; Double in tests).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  @discardableResult
  public func step() throws(StepError) -> VAE<S>.Losses {
    let inputs = model.configuration.inputs
    nextBatch(inputs: inputs)
    NormalSampler.fill(normals, using: &generator)
    for i in normals.indices { noise[i] = S(normals[i]) }
    model.klWeight = model.configuration.klSchedule.weight(afterSteps: steps)
    let losses = model.lossAndGradients(batch, batch: batchSize, noise: noise)
    let finite =
      losses.objective.isFinite
      && layers.allSatisfy { layer in
        Self.allFinite(layer.weightGradient) && Self.allFinite(layer.biasGradient)
      }
    guard finite else { throw .notFinite(step: steps + 1, losses: losses) }
    optimizer.update(layers)
    steps += 1
    return losses
  }

  /// Whether every value is finite: the sum of value * 0 is 0 exactly when none
  /// is NaN or infinite, and it vectorises where a per-element test does not.
  static func allFinite(_ values: [S]) -> Bool {
    values.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return true }
      var accumulator = SIMD8<S>()
      var i = 0
      while i + 8 <= buffer.count {
        accumulator += UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<S>.self) * 0
        i += 8
      }
      var rest: S = 0
      while i < buffer.count {
        rest += buffer[i] * 0
        i += 1
      }
      return (accumulator.sum() + rest) == 0
    }
  }

  /// Copies the next batch of the shuffled order into `batch`, reshuffling
  /// (Fisher-Yates, with the trainer's generator) at the end of each epoch.
  private func nextBatch(inputs: Int) {
    for row in 0..<batchSize {
      if cursor == exampleCount {
        for i in stride(from: exampleCount - 1, to: 0, by: -1) {
          let j = Int(generator.next() % UInt64(i + 1))
          order.swapAt(i, j)
        }
        cursor = 0
      }
      let source = order[cursor] * inputs
      examples.withUnsafeBufferPointer { all in
        guard let base = all.baseAddress else { return }
        (batch + row * inputs).update(from: base + source, count: inputs)
      }
      cursor += 1
    }
  }
}
