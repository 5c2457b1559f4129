import Foundation
import Probability
import Testing

@testable import NeuralNet

/// A small model and batch for gradient checks, in Double.
func smallProblem(
  _ configuration: VAEConfiguration, batch: Int = 3, seed: UInt64 = 1
) -> (model: VAE<Double>, x: [Double], noise: [Double]) {
  var generator = Xoshiro256StarStar(seed: seed)
  let model = VAE<Double>(configuration, generator: &generator)
  let x = (0..<(batch * configuration.inputs)).map { _ in generator.nextUniform() }
  let noise = (0..<(batch * configuration.latent)).map { _ in NormalSampler.next(using: &generator) }
  return (model, x, noise)
}

func loss(_ model: VAE<Double>, _ x: [Double], _ noise: [Double], batch: Int) -> Double {
  let losses = model.forward(x, noise: noise)
  return losses.reconstruction + model.configuration.beta * losses.kl
}

struct VAEGradientTests {
  static let configurations = [
    VAEConfiguration(inputs: 5, hidden: 4, latent: 2, likelihood: .bernoulli, beta: 1, kind: .vae),
    VAEConfiguration(inputs: 5, hidden: 4, latent: 2, likelihood: .gaussian, beta: 0.5, kind: .vae, variance: 0.3),
    VAEConfiguration(inputs: 5, hidden: 4, latent: 3, likelihood: .bernoulli, beta: 1, kind: .autoencoder),
    VAEConfiguration(inputs: 4, hidden: 6, latent: 2, likelihood: .gaussian, beta: 2, kind: .vae),
    VAEConfiguration(inputs: 5, hidden: [6, 4, 3], latent: 2, likelihood: .bernoulli, beta: 1, kind: .vae),
    VAEConfiguration(inputs: 4, hidden: [5, 3], latent: 2, likelihood: .gaussian, beta: 1, kind: .autoencoder),
    VAEConfiguration(inputs: 5, hidden: [4, 3], latent: 2, activation: .tanh, likelihood: .bernoulli),
    VAEConfiguration(inputs: 4, hidden: 5, latent: 2, activation: .sigmoid, likelihood: .gaussian, beta: 0.7),
    VAEConfiguration(inputs: 5, hidden: 4, latent: 3, activation: .tanh, kind: .autoencoder),
  ]

  @Test(arguments: configurations)
  func parameterCountMatchesTheLayers(configuration: VAEConfiguration) {
    let (model, _, _) = smallProblem(configuration)
    #expect(model.parameterCount == configuration.parameterCount)
  }

  /// Every backpropagated gradient against the central difference
  /// (L(w + h) - L(w - h)) / 2h with h = 1e-6, whose error is about h^2 |L'''| + eps/h.
  @Test(arguments: configurations)
  func backpropagationMatchesFiniteDifferences(configuration: VAEConfiguration) throws {
    let (model, x, noise) = smallProblem(configuration, batch: 3)
    let tensors = try GradientCheck.tensors(of: model, x: x, noise: noise)
    #expect(tensors.map(\.entries.count).reduce(0, +) == configuration.parameterCount)
    for tensor in tensors {
      for entry in tensor.entries {
        #expect(
          abs(entry.numeric - entry.analytic) <= 1e-6 * max(1, abs(entry.numeric)),
          "\(tensor.name)[\(entry.index)]: \(entry.analytic) vs \(entry.numeric)")
      }
    }
  }

  /// What `vae gradcheck` shows: the largest gradients agree well inside the
  /// tolerance, and a wrong gradient is far outside it.
  @Test func theLargestEntriesAgreeAndAWrongGradientDoesNot() throws {
    for configuration in Self.configurations {
      let (model, x, noise) = smallProblem(configuration, batch: 4)
      let tensors = try GradientCheck.tensors(of: model, x: x, noise: noise, largest: 12)
      #expect(tensors.allSatisfy { $0.entries.count <= 12 && $0.agrees })
    }
    // Ctrl-C is heard before each tensor: stopped at the third, two were checked.
    let (model, x, noise) = smallProblem(Self.configurations[0], batch: 4)
    var asked = 0
    #expect(throws: Interrupted.self) {
      try GradientCheck.tensors(of: model, x: x, noise: noise, largest: 12) {
        asked += 1
        return asked == 3
      }
    }
    #expect(asked == 3)
    let wrong = GradientCheck.Entry(index: 0, analytic: 1.001, numeric: 1, roundingAllowance: 1e-8)
    #expect(abs(wrong.relativeError - 0.001 / 2.001) < 1e-15)
    #expect(!wrong.agrees)
    // A small gradient within the differences' rounding agrees, whatever its relative error.
    let small = GradientCheck.Entry(index: 0, analytic: 1e-4, numeric: 1e-4 + 5e-9, roundingAllowance: 1e-8)
    #expect(small.relativeError > GradientCheck.tolerance && small.agrees)
    #expect(GradientCheck.Entry(index: 0, analytic: 1e-12, numeric: -3e-12).relativeError == 0)
  }

  /// The entries gradcheck picks, against a stable sort by magnitude (a
  /// different algorithm): the same indexes, ties (values drawn from five
  /// levels, either sign) going to the lower index.
  @Test(arguments: [(0, 7), (1, 7), (12, 7), (12, 12), (12, 13), (12, 500), (40, 3000)])
  func theLargestEntriesAreThoseOfAStableSort(count: Int, size: Int) {
    var generator = Xoshiro256StarStar(seed: UInt64(count * 10_000 + size))
    let values = (0..<size).map { _ in Double(generator.next() % 5) * (generator.next() % 2 == 0 ? 1 : -1) }
    let sorted = values.indices.sorted { abs(values[$0]) > abs(values[$1]) }
    #expect(GradientCheck.indexesOfLargest(count, in: values) == Array(sorted.prefix(count)).sorted())
  }

  /// OpenBLAS and the plain-Swift loop compute the same step, to rounding.
  @Test func blasEqualsTheReferencePath() {
    let configuration = VAEConfiguration(inputs: 7, hidden: 5, latent: 3)
    let (blas, x, noise) = smallProblem(configuration, batch: 4)
    let (reference, _, _) = smallProblem(configuration, batch: 4)
    reference.backend = .reference
    for model in [blas, reference] {
      _ = x.withUnsafeBufferPointer { xs in
        noise.withUnsafeBufferPointer { ns in model.lossAndGradients(xs.baseAddress!, batch: 4, noise: ns.baseAddress!)
        }
      }
    }
    for ((_, a), (_, b)) in zip(blas.layers, reference.layers) {
      for (u, v) in zip(a.weightGradient + a.biasGradient, b.weightGradient + b.biasGradient) {
        #expect(abs(u - v) <= 1e-12 * max(1, abs(u)))
      }
    }
  }

  /// The KL term of the loss is the closed form of Probability.GaussianKL.
  @Test func klTermIsTheClosedForm() {
    let configuration = VAEConfiguration(inputs: 4, hidden: 3, latent: 2)
    let (model, x, noise) = smallProblem(configuration, batch: 2)
    let losses = model.forward(x, noise: noise)
    let (mu, logvar) = model.encode(x)
    let expected = zip(mu, logvar).reduce(0.0) { $0 + GaussianKL.divergence(mean: $1.0, logVariance: $1.1) } / 2
    #expect(abs(losses.kl - expected) < 1e-12)
  }
}

struct ActivationTests {
  /// Inputs on both sides of 0, including where tanh and sigmoid saturate.
  static let inputs: [Double] = [-30, -4, -1.5, -0.3, 0.2, 0.9, 2.5, 6, 40]

  /// Closed forms: tanh from exponentials, the logistic function, max(x, 0).
  @Test(arguments: Activation.allCases)
  func forwardMatchesTheClosedForm(activation: Activation) {
    var values = Self.inputs
    values.withUnsafeMutableBufferPointer { activation.forward($0.baseAddress!, count: $0.count) }
    for (x, y) in zip(Self.inputs, values) {
      let expected =
        switch activation {
        case .relu: max(x, 0)
        case .tanh: x > 0 ? (1 - exp(-2 * x)) / (1 + exp(-2 * x)) : (exp(2 * x) - 1) / (exp(2 * x) + 1)
        case .sigmoid: x > 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
        }
      #expect(abs(y - expected) <= 1e-15 * max(1, abs(expected)), "\(activation)(\(x)) = \(y), not \(expected)")
    }
  }

  /// The backward pass, from the output alone, against the central difference
  /// (f(x + h) - f(x - h)) / 2h of the forward pass, h = 1e-6 (away from ReLU's kink).
  @Test(arguments: Activation.allCases)
  func backwardMatchesFiniteDifferences(activation: Activation) {
    func f(_ x: Double) -> Double {
      var value = x
      withUnsafeMutablePointer(to: &value) { activation.forward($0, count: 1) }
      return value
    }
    let upstream = 0.75  // dL/dy, so the test sees the product, not just dy/dx
    var outputs = Self.inputs.map(f)
    var gradients = Array(repeating: upstream, count: outputs.count)
    gradients.withUnsafeMutableBufferPointer { g in
      outputs.withUnsafeMutableBufferPointer { y in
        activation.backward(g.baseAddress!, output: y.baseAddress!, count: y.count)
      }
    }
    let h = 1e-6
    for (x, gradient) in zip(Self.inputs, gradients) {
      let numeric = upstream * (f(x + h) - f(x - h)) / (2 * h)
      #expect(abs(gradient - numeric) <= 1e-8, "\(activation)'(\(x)): \(gradient) vs \(numeric)")
    }
  }
}

struct OptimizerTests {
  /// Two Adam steps by hand: with g constant, m_t = (1 - b1^t) g and v_t = (1 - b2^t) g^2,
  /// so each step moves w by lr * g / (|g| + eps * ...) : exactly lr * m_hat / (sqrt(v_hat) + eps).
  @Test func adamMatchesAHandComputedStep() {
    var generator = Xoshiro256StarStar(seed: 3)
    let layer = Linear<Double>(inputs: 1, outputs: 1, generator: &generator)
    layer.weight = [1.0]
    layer.bias = [0.5]
    layer.weightGradient = [0.2]
    layer.biasGradient = [-3.0]
    let adam = Optimizer<Double>(.adam, learningRate: 0.1)
    adam.update([layer])
    // Step 1: m = 0.1 g, v = 0.001 g^2; m_hat = g, v_hat = g^2: w -= 0.1 * g / (|g| + 1e-8).
    #expect(abs(layer.weight[0] - (1.0 - 0.1 * 0.2 / (0.2 + 1e-8))) < 1e-15)
    #expect(abs(layer.bias[0] - (0.5 + 0.1 * 3.0 / (3.0 + 1e-8))) < 1e-15)
    adam.update([layer])
    // Step 2 with the same gradient: m_hat = g and v_hat = g^2 again.
    #expect(abs(layer.weight[0] - (1.0 - 2 * 0.1 * 0.2 / (0.2 + 1e-8))) < 1e-14)
  }

  @Test func sgdStepsAgainstTheGradient() {
    var generator = Xoshiro256StarStar(seed: 3)
    let layer = Linear<Double>(inputs: 2, outputs: 1, generator: &generator)
    layer.weight = [1, 2]
    layer.weightGradient = [0.5, -1]
    Optimizer<Double>(.sgd, learningRate: 0.1).update([layer])
    #expect(layer.weight == [0.95, 2.1])
  }

  /// PyTorch's default initialisation: uniform on +-1/sqrt(fan_in).
  @Test func initialisationIsPyTorchsDefault() {
    var generator = Xoshiro256StarStar(seed: 9)
    let layer = Linear<Float>(inputs: 400, outputs: 300, generator: &generator)
    let bound: Float = 1 / 20
    #expect(layer.weight.allSatisfy { abs($0) <= bound })
    #expect(layer.weight.max()! > 0.99 * bound && layer.weight.min()! < -0.99 * bound)
    let mean = layer.weight.reduce(0, +) / Float(layer.weight.count)
    #expect(abs(mean) < 0.001)
  }
}

/// The KL schedule and free bits: the weight the KL term has at each step,
/// and the gradient of the objective with free bits against finite differences.
struct KLScheduleTests {
  @Test func weightsFollowTheSchedules() {
    #expect((0..<6).map { KLSchedule.linear(steps: 4).weight(afterSteps: $0) } == [0, 0.25, 0.5, 0.75, 1, 1])
    #expect((0..<9).map { KLSchedule.cyclical(period: 4).weight(afterSteps: $0) } == [0, 0.5, 1, 1, 0, 0.5, 1, 1, 0])
    #expect(KLSchedule.constant.weight(afterSteps: 7) == 1)
    #expect(
      KLSchedule(text: "linear:1000") == .linear(steps: 1000) && KLSchedule(text: "cyclical:50")?.text == "cyclical:50")
    for bad in ["linear", "linear:1", "linear:-5", "cosine:10", "linear:10:2", "linear:99999999999"] {
      #expect(KLSchedule(text: bad) == nil, "\(bad)")
    }
  }

  /// Training reports, at each step, beta times the scheduled weight.
  @Test func trainingWeighsKLAsScheduled() throws {
    var configuration = VAEConfiguration(inputs: 5, hidden: 4, latent: 2, beta: 2)
    configuration.klSchedule = .linear(steps: 4)
    var generator = Xoshiro256StarStar(seed: 2)
    let model = VAE<Float>(configuration, generator: &generator)
    let examples = (0..<40).map { _ in Float(generator.nextUniform()) }
    let trainer = Trainer(
      model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: examples, batchSize: 4,
      generator: generator)
    var betas: [Double] = []
    _ = try trainer.train(6, shouldStop: { false }) { _, losses in betas.append(losses.beta) }
    #expect(betas == [0, 0.5, 1, 1.5, 2, 2])
  }

  /// With free bits at the median of the dimensions' batch-mean KL, some
  /// dimensions are below them (no KL gradient) and some above (the full
  /// one); backpropagation matches the central differences of the objective.
  @Test func freeBitsGradientsMatchFiniteDifferences() throws {
    var configuration = VAEConfiguration(inputs: 5, hidden: 4, latent: 4, likelihood: .gaussian, beta: 1.5)
    let (probe, x, noise) = smallProblem(configuration, batch: 3, seed: 4)
    let (mu, logvar) = probe.encode(x)
    let perDimension = (0..<4).map { j in
      (0..<3).reduce(0.0) { $0 + GaussianKL.divergence(mean: mu[$1 * 4 + j], logVariance: logvar[$1 * 4 + j]) } / 3
    }.sorted()
    configuration.freeBits = (perDimension[1] + perDimension[2]) / 2
    let (model, _, _) = smallProblem(configuration, batch: 3, seed: 4)
    let losses = model.forward(x, noise: noise)
    #expect(losses.penalisedKL > losses.kl)
    for tensor in try GradientCheck.tensors(of: model, x: x, noise: noise) {
      for entry in tensor.entries {
        #expect(
          abs(entry.numeric - entry.analytic) <= 1e-6 * max(1, abs(entry.numeric)),
          "\(tensor.name)[\(entry.index)]: \(entry.analytic) vs \(entry.numeric)")
      }
    }
  }
}
