import Probability

/// Training: the forward and backward passes of the loss.
extension VAE {
  /// Forward and backward for a batch: the losses, with every layer's gradient
  /// of the batch-mean loss left in the layers. `x` holds `batch` rows of D
  /// values; `noise` holds batch x L standard normals (unused by an autoencoder).
  /// Specialised: both passes of a training step, from Trainer.step (Float) and gradcheck (Double).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func lossAndGradients(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) -> Losses {
    let losses = forward(x, batch: batch, noise: noise)
    backward(x, batch: batch, noise: noise)
    return losses
  }

  /// The forward pass alone, leaving activations for `backward`.
  /// Specialised: the forward pass of every training step and evaluation (Float) and of gradcheck (Double).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  @discardableResult
  public func forward(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) -> Losses {
    let b = prepare(batch)
    let (d, l) = (configuration.inputs, configuration.latent)
    // Encoder: h = activation(layer(h)) through the hidden layers; mu = fc21(h); logvar = fc22(h).
    let top = run(encoder, from: x, activations: b.encoder, batch: batch)
    fc21.forward(top, batch: batch, into: b.mu, backend: backend)
    var kl = 0.0
    if configuration.kind == .vae {
      fc22.forward(top, batch: batch, into: b.logvar, backend: backend)
      // The reparameterisation (Kingma and Welling 2014, section 2.4): z = mu + sigma * eps with
      // sigma = exp(logvar / 2), so z is a differentiable function of mu and logvar; its
      // backward is the loop marked "reparameterisation's backward" in `backward`.
      // KL(N(mu, sigma^2) || N(0, 1)) = 0.5 * (sigma^2 + mu^2 - 1 - logvar) per dimension, the
      // formula of GaussianKL.divergence, written here in S (Float in training) because it
      // reuses sigma from the line above inside the same loop; GaussianKL's double-precision
      // form is what `vae show` reports and the tests compare it with (EvaluationTests).
      for j in 0..<l { klPerDimension[j] = 0 }
      for i in 0..<(batch * l) {
        let (mu, logvar) = (b.mu[i], b.logvar[i])
        let std = S.exp(logvar / 2)
        b.std[i] = std
        b.z[i] = mu + std * noise[i]
        klPerDimension[i % l] += 0.5 * Double(std * std + mu * mu - 1 - logvar)
      }
      kl = klPerDimension.reduce(0, +)
    } else {
      b.z.update(from: b.mu, count: batch * l)
    }
    // Decoder: the mirrored hidden layers, then output = fc4(h) (logits for Bernoulli, the mean for Gaussian).
    let last = run(decoder, from: b.z, activations: b.decoder, batch: batch)
    fc4.forward(last, batch: batch, into: b.output, backend: backend)
    // The loss, and its gradient for the backward pass from the same exponentials.
    let reconstruction = configuration.likelihood.negativeLogLikelihood(
      output: b.output, target: x, count: batch * d, variance: S(configuration.variance), scale: 1 / S(batch),
      gradient: b.outputGradient)
    if estimator != .pathwise && configuration.kind == .vae {
      // The score function needs each example's f(z) = -log p(x|z).
      for row in 0..<batch {
        b.rowLoss[row] = S(
          -configuration.likelihood.logDensity(
            output: b.output + row * d, target: x + row * d, count: d, variance: configuration.variance))
      }
    }
    let penalised =
      configuration.freeBits > 0
      ? klPerDimension.reduce(0) { $0 + max(configuration.freeBits, $1 / Double(batch)) } : kl / Double(batch)
    return Losses(
      reconstruction: reconstruction / Double(batch), kl: kl / Double(batch), beta: configuration.beta * klWeight,
      penalisedKL: penalised)
  }

  /// The backward pass of the batch-mean loss, after `forward` on the same batch.
  /// Specialised: the backward pass of every training step (Float) and of gradcheck (Double).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func backward(_ x: UnsafePointer<S>, batch: Int, noise: UnsafePointer<S>) {
    let l = configuration.latent
    let b = buffers
    let scale = 1 / S(batch)
    let beta = S(configuration.beta * klWeight)
    // b.outputGradient holds d loss / d output, from `forward`.
    decoderBackward(batch: batch)
    guard configuration.kind == .vae else {
      b.muGradient.update(from: b.zGradient, count: batch * l)
      encoderBackward(x, batch: batch)
      return
    }
    // The reparameterisation's backward (its forward is in `forward`), or the score function
    // (LatentGradientEstimator states both): z = mu + sigma * eps gives dz/dmu = 1 and
    // dz/dlogvar = eps * sigma / 2. The KL term, 0.5 * (sigma^2 + mu^2 - 1 - logvar), adds
    // beta * mu and beta * (sigma^2 - 1) / 2 (each scaled by 1 / batch for the batch mean);
    // with free bits, nothing in a dimension whose batch-mean KL is below them, where
    // max(free bits, KL_j) is flat.
    var total: S = 0
    if estimator == .scoreWithBaseline { for row in 0..<batch { total += b.rowLoss[row] } }
    for row in 0..<batch {
      var value: S = 0
      if estimator != .pathwise {
        let baseline =
          estimator == .scoreWithBaseline
          ? LatentGradientEstimator.leaveOneOutMean(excluding: b.rowLoss[row], total: total, count: batch) : 0
        value = (b.rowLoss[row] - baseline) * scale
      }
      for i in (row * l)..<((row + 1) * l) {
        let (mu, logvar) = estimator.reconstructionGradient(
          value: value, slope: b.zGradient[i], noise: noise[i], sigma: b.std[i])
        let weight = klPerDimension[i % l] / Double(batch) < configuration.freeBits ? 0 : beta * scale
        b.muGradient[i] = mu + weight * b.mu[i]
        b.logvarGradient[i] = logvar + weight * (b.std[i] * b.std[i] - 1) / 2
      }
    }
    encoderBackward(x, batch: batch)
  }

  /// Backward through fc4 and the decoder's hidden layers, from d loss / d output
  /// in b.outputGradient to d loss / dz in b.zGradient.
  func decoderBackward(batch: Int) {
    let b = buffers
    let decoderTop = UnsafePointer(b.decoder.last?.activation ?? b.z)
    fc4.backward(
      input: decoderTop, outputGradient: b.outputGradient, batch: batch,
      inputGradient: b.decoder.last?.gradient ?? b.zGradient, backend: backend)
    runBackward(decoder, from: b.z, activations: b.decoder, inputGradient: b.zGradient, batch: batch)
  }

  /// Backward through fc21 (and fc22) and the encoder's hidden layers, from the
  /// gradients in b.muGradient (and b.logvarGradient), leaving each encoder
  /// layer's gradient in the layer. The encoder's activations for x must be in
  /// the buffers (from `forward` or `withEncoder`).
  func encoderBackward(_ x: UnsafePointer<S>, batch: Int) {
    let b = buffers
    let encoderTop = UnsafePointer(b.encoder.last?.activation ?? UnsafeMutablePointer(mutating: x))
    let topGradient = b.encoder.last?.gradient
    fc21.backward(
      input: encoderTop, outputGradient: b.muGradient, batch: batch, inputGradient: topGradient, backend: backend)
    if configuration.kind == .vae {
      fc22.backward(
        input: encoderTop, outputGradient: b.logvarGradient, batch: batch, inputGradient: b.topGradientPart,
        backend: backend)
      if let topGradient, let width = configuration.hidden.last {
        for i in 0..<(batch * width) { topGradient[i] += b.topGradientPart[i] }
      }
    }
    runBackward(encoder, from: x, activations: b.encoder, inputGradient: nil, batch: batch)
  }

  /// Runs `layers` with the activation after each, from `input`; returns the last activation.
  func run(
    _ layers: [Linear<S>], from input: UnsafePointer<S>, activations: [Buffers.Layer], batch: Int
  ) -> UnsafePointer<S> {
    var current = input
    for (layer, buffer) in zip(layers, activations) {
      layer.forward(current, batch: batch, into: buffer.activation, backend: backend)
      configuration.activation.forward(buffer.activation, count: batch * layer.outputs)
      current = UnsafePointer(buffer.activation)
    }
    return current
  }

  /// Backward through `layers` (each followed by the activation), whose top gradient is
  /// already in the last buffer; leaves the input's gradient in `inputGradient`.
  func runBackward(
    _ layers: [Linear<S>], from input: UnsafePointer<S>, activations: [Buffers.Layer],
    inputGradient: UnsafeMutablePointer<S>?, batch: Int
  ) {
    for index in layers.indices.reversed() {
      let buffer = activations[index]
      configuration.activation.backward(
        buffer.gradient, output: buffer.activation, count: batch * layers[index].outputs)
      layers[index].backward(
        input: index == 0 ? input : UnsafePointer(activations[index - 1].activation), outputGradient: buffer.gradient,
        batch: batch, inputGradient: index == 0 ? inputGradient : activations[index - 1].gradient, backend: backend)
    }
  }
}
