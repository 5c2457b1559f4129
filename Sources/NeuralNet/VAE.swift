import Dispatch
import Probability

/// The variational autoencoder of pytorch/examples (vae/main.py), generalised,
/// in one file: encoder D-H-(mu, logvar) with ReLU, decoder L-H-D, and per example
///
///     loss = reconstruction + beta * KL(q(z|x) || N(0, I)),
///
/// both summed over dimensions, with one reparameterised sample
/// z = mu + exp(logvar / 2) * eps (Kingma and Welling, ICLR 2014). The training
/// step minimises the batch mean of the per-example loss. Layer names follow
/// pytorch/examples: fc1 (D-H), fc21 (mu), fc22 (logvar), fc3 (L-H), fc4 (H-D).
/// `kind: .autoencoder` is the plain deterministic autoencoder with the same
/// layers: z = mu, no fc22, no KL.
public final class VAE<S: BLASScalar> {
  public let configuration: VAEConfiguration
  public let fc1: Linear<S>, fc21: Linear<S>, fc22: Linear<S>, fc3: Linear<S>, fc4: Linear<S>
  public var backend: MatrixBackend = .blas

  /// Activations and gradients for one batch size, reused from step to step.
  private var buffers: Buffers

  @_specialize(exported:true,where S == Float)
  @_specialize(exported:true,where S == Double)
  public init(_ configuration: VAEConfiguration, generator: inout Xoshiro256StarStar) {
    self.configuration = configuration
    let (d, h, l) = (configuration.inputs, configuration.hidden, configuration.latent)
    fc1 = Linear(inputs: d, outputs: h, generator: &generator)
    fc21 = Linear(inputs: h, outputs: l, generator: &generator)
    fc22 = Linear(inputs: h, outputs: l, generator: &generator)
    fc3 = Linear(inputs: l, outputs: h, generator: &generator)
    fc4 = Linear(inputs: h, outputs: d, generator: &generator)
    buffers = Buffers(configuration, batch: 0)
  }

  /// The trainable layers with their pytorch/examples names (no fc22 in an autoencoder).
  public var layers: [(name: String, layer: Linear<S>)] {
    let all = [("fc1", fc1), ("fc21", fc21), ("fc22", fc22), ("fc3", fc3), ("fc4", fc4)]
    return configuration.kind == .vae ? all : all.filter { $0.0 != "fc22" }
  }

  public var parameterCount: Int { layers.reduce(0) { $0 + $1.layer.weight.count + $1.layer.bias.count } }

  /// Per-example averages over a batch, in nats.
  public struct Losses: Sendable, Equatable {
    public var reconstruction: Double
    public var kl: Double
    public var total: Double { reconstruction + kl }
  }

  /// Forward and backward for a batch: the losses, with every layer's gradient
  /// of the batch-mean loss left in the layers. `x` holds `batch` rows of D
  /// values; `noise` holds batch x L standard normals (unused by an autoencoder).
  @_specialize(exported:true,where S == Float)
  @_specialize(exported:true,where S == Double)
  public func lossAndGradients(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) -> Losses {
    let losses = forward(x, batch: batch, noise: noise)
    backward(x, batch: batch, noise: noise)
    return losses
  }

  /// The forward pass alone, leaving activations for `backward`.
  @_specialize(exported:true,where S == Float)
  @_specialize(exported:true,where S == Double)
  @discardableResult
  public func forward(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) -> Losses {
    if buffers.batch != batch { buffers = Buffers(configuration, batch: batch) }
    let (d, h, l) = (configuration.inputs, configuration.hidden, configuration.latent)
    let isVAE = configuration.kind == .vae
    let b = buffers
    // Encoder: h1 = relu(fc1(x)); mu = fc21(h1); logvar = fc22(h1).
    fc1.forward(x, batch: batch, into: b.h1, backend: backend)
    relu(b.h1, count: batch * h)
    fc21.forward(b.h1, batch: batch, into: b.mu, backend: backend)
    var kl = 0.0
    if isVAE {
      fc22.forward(b.h1, batch: batch, into: b.logvar, backend: backend)
      // z = mu + exp(logvar / 2) * eps; KL = 0.5 * sum(exp(logvar) + mu^2 - 1 - logvar).
      for i in 0..<(batch * l) {
        let (mu, logvar) = (b.mu[i], b.logvar[i])
        let std = S.exp(logvar / 2)
        b.std[i] = std
        b.z[i] = mu + std * noise[i]
        kl += Double(std * std + mu * mu - 1 - logvar)
      }
      kl *= 0.5
    } else {
      b.z.update(from: b.mu, count: batch * l)
    }
    // Decoder: h3 = relu(fc3(z)); output = fc4(h3) (logits for Bernoulli, the mean for Gaussian).
    fc3.forward(b.z, batch: batch, into: b.h3, backend: backend)
    relu(b.h3, count: batch * h)
    fc4.forward(b.h3, batch: batch, into: b.output, backend: backend)
    // The loss, and its gradient for the backward pass from the same exponentials.
    let reconstruction = configuration.likelihood.negativeLogLikelihood(
      output: b.output, target: x, count: batch * d, variance: S(configuration.variance), scale: 1 / S(batch),
      gradient: b.outputGradient)
    return Losses(reconstruction: reconstruction / Double(batch), kl: kl / Double(batch))
  }

  /// The backward pass of the batch-mean loss, after `forward` on the same batch.
  @_specialize(exported:true,where S == Float)
  @_specialize(exported:true,where S == Double)
  public func backward(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) {
    let (h, l) = (configuration.hidden, configuration.latent)
    let b = buffers
    let scale = 1 / S(batch)
    let beta = S(configuration.beta)
    // b.outputGradient holds d loss / d output, from `forward`.
    fc4.backward(
      input: b.h3, outputGradient: b.outputGradient, batch: batch, inputGradient: b.h3Gradient, backend: backend)
    reluBackward(b.h3Gradient, activation: b.h3, count: batch * h)
    fc3.backward(input: b.z, outputGradient: b.h3Gradient, batch: batch, inputGradient: b.zGradient, backend: backend)
    if configuration.kind == .vae {
      // dz/dmu = 1, dz/dlogvar = eps * std / 2; the KL adds beta * mu and beta * (exp(logvar) - 1) / 2.
      for i in 0..<(batch * l) {
        let dz = b.zGradient[i]
        b.muGradient[i] = dz + beta * scale * b.mu[i]
        b.logvarGradient[i] = dz * noise[i] * b.std[i] / 2 + beta * scale * (b.std[i] * b.std[i] - 1) / 2
      }
      fc21.backward(
        input: b.h1, outputGradient: b.muGradient, batch: batch, inputGradient: b.h1Gradient, backend: backend)
      fc22.backward(
        input: b.h1, outputGradient: b.logvarGradient, batch: batch, inputGradient: b.h1GradientPart, backend: backend)
      for i in 0..<(batch * h) { b.h1Gradient[i] += b.h1GradientPart[i] }
    } else {
      fc21.backward(
        input: b.h1, outputGradient: b.zGradient, batch: batch, inputGradient: b.h1Gradient, backend: backend)
    }
    reluBackward(b.h1Gradient, activation: b.h1, count: batch * h)
    fc1.backward(input: x, outputGradient: b.h1Gradient, batch: batch, inputGradient: nil, backend: backend)
  }

  /// The encoder's mean and log-variance for `batch` rows of x (logvar is 0 for an autoencoder).
  @_specialize(exported:true,where S == Float)
  @_specialize(exported:true,where S == Double)
  public func encode(_ x: UnsafePointer<S>, batch: Int) -> (mu: [S], logvar: [S]) {
    if buffers.batch != batch { buffers = Buffers(configuration, batch: batch) }
    let (h, l) = (configuration.hidden, configuration.latent)
    fc1.forward(x, batch: batch, into: buffers.h1, backend: backend)
    relu(buffers.h1, count: batch * h)
    fc21.forward(buffers.h1, batch: batch, into: buffers.mu, backend: backend)
    let mu = Array(UnsafeBufferPointer(start: buffers.mu, count: batch * l))
    guard configuration.kind == .vae else { return (mu, Array(repeating: 0, count: batch * l)) }
    fc22.forward(buffers.h1, batch: batch, into: buffers.logvar, backend: backend)
    return (mu, Array(UnsafeBufferPointer(start: buffers.logvar, count: batch * l)))
  }

  /// The decoder's mean output for `batch` rows of z: sigmoid(logits) for Bernoulli.
  @_specialize(exported:true,where S == Float)
  @_specialize(exported:true,where S == Double)
  public func decode(_ z: UnsafePointer<S>, batch: Int) -> [S] {
    if buffers.batch != batch { buffers = Buffers(configuration, batch: batch) }
    let (d, h) = (configuration.inputs, configuration.hidden)
    fc3.forward(z, batch: batch, into: buffers.h3, backend: backend)
    relu(buffers.h3, count: batch * h)
    fc4.forward(buffers.h3, batch: batch, into: buffers.output, backend: backend)
    let output = UnsafeBufferPointer(start: buffers.output, count: batch * d)
    return configuration.likelihood == .bernoulli ? output.map { 1 / (1 + S.exp(-$0)) } : Array(output)
  }

  // ReLU, forward and backward side by side.
  // Branch-free, so the loops vectorise.
  private func relu(_ x: UnsafeMutablePointer<S>, count: Int) {
    for i in 0..<count { x[i] = max(x[i], 0) }
  }

  private func reluBackward(_ gradient: UnsafeMutablePointer<S>, activation: UnsafePointer<S>, count: Int) {
    for i in 0..<count { gradient[i] = activation[i] > 0 ? gradient[i] : 0 }
  }

  /// One allocation per batch size; freed when the batch size changes or the model goes.
  final class Buffers {
    let batch: Int
    let storage: UnsafeMutablePointer<S>
    let h1, mu, logvar, std, z, h3, output: UnsafeMutablePointer<S>
    let outputGradient, h3Gradient, zGradient, muGradient, logvarGradient, h1Gradient,
      h1GradientPart: UnsafeMutablePointer<S>

    init(_ c: VAEConfiguration, batch: Int) {
      self.batch = batch
      let (d, h, l) = (c.inputs * batch, c.hidden * batch, c.latent * batch)
      let sizes = [h, l, l, l, l, h, d, d, h, l, l, l, h, h]
      let total = max(1, sizes.reduce(0, +))
      storage = .allocate(capacity: total)
      storage.initialize(repeating: 0, count: total)
      var offset = 0
      var pointers: [UnsafeMutablePointer<S>] = []
      for size in sizes {
        pointers.append(storage + offset)
        offset += size
      }
      (h1, mu, logvar, std, z, h3, output) = (
        pointers[0], pointers[1], pointers[2], pointers[3], pointers[4], pointers[5], pointers[6]
      )
      (outputGradient, h3Gradient, zGradient, muGradient, logvarGradient, h1Gradient, h1GradientPart) =
        (pointers[7], pointers[8], pointers[9], pointers[10], pointers[11], pointers[12], pointers[13])
    }

    deinit { storage.deallocate() }
  }
}

/// What a VAE is: sizes, likelihood, beta, and whether it is variational at all.
public struct VAEConfiguration: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable, CaseIterable {
    case vae
    case autoencoder = "ae"
  }

  public var inputs: Int
  public var hidden: Int
  public var latent: Int
  public var likelihood: Likelihood
  public var beta: Double
  public var kind: Kind
  /// The fixed variance of the Gaussian likelihood (unused by Bernoulli).
  public var variance: Double

  public init(
    inputs: Int, hidden: Int, latent: Int, likelihood: Likelihood = .bernoulli, beta: Double = 1, kind: Kind = .vae,
    variance: Double = 1
  ) {
    self.inputs = inputs
    self.hidden = hidden
    self.latent = latent
    self.likelihood = likelihood
    self.beta = beta
    self.kind = kind
    self.variance = variance
  }
}

/// The decoder's distribution p(x|z) and its negative log-likelihood, summed.
public enum Likelihood: String, Codable, Sendable, CaseIterable {
  /// Bernoulli with logits l, for targets in [0, 1]: binary cross-entropy
  /// max(l, 0) - l x + log(1 + exp(-|l|)), which never overflows (the form of
  /// torch.nn.functional.binary_cross_entropy_with_logits).
  case bernoulli
  /// Gaussian with mean the output and a fixed variance s^2:
  /// ((x - m)^2 / s^2 + log(2 pi s^2)) / 2.
  case gaussian

  /// The buffers of a split loss computation; each thread reads and writes its own range.
  struct FloatBuffers: @unchecked Sendable {
    let output: UnsafePointer<Float>
    let target: UnsafePointer<Float>
    let gradient: UnsafeMutablePointer<Float>
  }

  /// One partial sum per thread, each written by its own thread only.
  final class Partials: @unchecked Sendable {
    var values: [Double]
    init(count: Int) { values = Array(repeating: 0, count: count) }
  }

  /// The Bernoulli loss and gradient in Float, eight elements at a time with
  /// VectorMath's exp and log1p; the same formulas as the scalar loop.
  static func bernoulliFloat(
    _ output: UnsafePointer<Float>, _ target: UnsafePointer<Float>, count: Int, scale: Float,
    gradient: UnsafeMutablePointer<Float>
  ) -> Double {
    typealias Lanes = SIMD8<Float>
    var total = 0.0
    var i = 0
    while i + 8 <= count {
      var partial = Lanes()
      // Sum a few vectors in Float, then add to the Double total.
      let end = min(count - 7, i + 8 * 32)
      while i < end {
        let l = UnsafeRawPointer(output + i).loadUnaligned(as: Lanes.self)
        let x = UnsafeRawPointer(target + i).loadUnaligned(as: Lanes.self)
        let negative: SIMDMask<SIMD8<Int32>> = l .< 0
        let magnitude: Lanes = l.replacing(with: -l, where: negative)
        let e: Lanes = VectorMath.exp(-magnitude)
        let positivePart: Lanes = l.replacing(with: 0, where: negative)
        partial += positivePart - l * x + VectorMath.logOnePlus(e)
        let onePlusE: Lanes = 1 + e
        let sigmoid: Lanes = (1 / onePlusE).replacing(with: e / onePlusE, where: negative)
        let slope: Lanes = scale * (sigmoid - x)
        UnsafeMutableRawPointer(gradient + i).storeBytes(of: slope, as: Lanes.self)
        i += 8
      }
      total += Double(partial.sum())
    }
    while i < count {
      let (l, x) = (output[i], target[i])
      let e = Float.exp(-abs(l))
      total += Double(max(l, 0) - l * x + Float.logOnePlus(e))
      gradient[i] = scale * ((l >= 0 ? 1 / (1 + e) : e / (1 + e)) - x)
      i += 1
    }
    return total
  }

  /// The summed negative log-likelihood, and its derivative with respect to each
  /// output times `scale`, written to `gradient`: sigmoid(l) - x, or (m - x) / s^2.
  func negativeLogLikelihood<S: BLASScalar>(
    output: UnsafePointer<S>, target: UnsafePointer<S>, count: Int, variance: S, scale: S,
    gradient: UnsafeMutablePointer<S>
  ) -> Double {
    var total = 0.0
    switch self {
    case .bernoulli:
      if S.self == Float.self {
        // Large batches in two halves on two threads; each half writes its own gradients.
        let buffers = FloatBuffers(
          output: UnsafeRawPointer(output).assumingMemoryBound(to: Float.self),
          target: UnsafeRawPointer(target).assumingMemoryBound(to: Float.self),
          gradient: UnsafeMutableRawPointer(gradient).assumingMemoryBound(to: Float.self))
        let parts = count >= 1 << 15 ? 2 : 1
        let chunk = (count / parts + 7) & ~7
        let sums = Partials(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
          let start = part * chunk
          let end = min(count, start + chunk)
          sums.values[part] = Self.bernoulliFloat(
            buffers.output + start, buffers.target + start, count: end - start, scale: Float(scale),
            gradient: buffers.gradient + start)
        }
        return sums.values.reduce(0, +)
      }
      for i in 0..<count {
        let (l, x) = (output[i], target[i])
        // e = exp(-|l|) gives both log(1 + e^-|l|) and sigmoid(l) without overflow.
        let e = S.exp(-abs(l))
        total += Double(max(l, 0) - l * x + S.logOnePlus(e))
        let sigmoid = l >= 0 ? 1 / (1 + e) : e / (1 + e)
        gradient[i] = scale * (sigmoid - x)
      }
    case .gaussian:
      let constant = Double.log(2 * Double.pi * Double(variance))
      for i in 0..<count {
        let difference = output[i] - target[i]
        total += 0.5 * (Double(difference * difference) / Double(variance) + constant)
        gradient[i] = scale * difference / variance
      }
    }
    return total
  }
}
