using Pipelines.Export.Quantization;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Export.Calibration;

/// <summary>
/// Second moments of the inputs of a model's MatMuls over sample inputs: for each activation X <c>[tokens, K]</c> feeding a
/// MatMul with a 2-D float weight, <c>H = (1/T) Σ_t x_t x_tᵀ</c> <c>[K, K]</c> — the Hessian of the layer's output error
/// <c>‖X·(W − Ŵ)‖²/T</c> that GPTQ (Frantar et al., 2022) minimises. Padding tokens (attention mask 0) are left out.
/// </summary>
public sealed class InputHessians
{
    private readonly Dictionary<string, (double[] H, int K, long Tokens)> _hessians;

    private InputHessians(Dictionary<string, (double[] H, int K, long Tokens)> hessians)
    {
        _hessians = hessians;
    }

    /// <summary>Number of activations with a Hessian.</summary>
    public int Count => _hessians.Count;

    /// <summary>The Hessian <c>[K, K]</c> (row-major) of <paramref name="activation"/> and the tokens it was averaged over.</summary>
    public bool TryGet(string activation, out ReadOnlySpan<double> hessian, out int k, out long tokens)
    {
        if (_hessians.TryGetValue(activation, out var entry))
        {
            hessian = entry.H;
            k = entry.K;
            tokens = entry.Tokens;
            return true;
        }

        hessian = default;
        k = 0;
        tokens = 0;
        return false;
    }

    /// <summary>Builds the map from explicit Hessians (tests, or statistics gathered elsewhere).</summary>
    public static InputHessians FromMatrices(IReadOnlyDictionary<string, (double[] Hessian, int K)> hessians)
    {
        ArgumentNullException.ThrowIfNull(hessians);
        var map = new Dictionary<string, (double[] H, int K, long Tokens)>(StringComparer.Ordinal);
        foreach ((string name, (double[] h, int k)) in hessians)
        {
            if (h.Length != (long)k * k)
            {
                throw new ArgumentException($"Hessian of '{name}' has {h.Length} values, not {k}×{k}.", nameof(hessians));
            }

            map[name] = (h, k, 1);
        }

        return new InputHessians(map);
    }

    /// <summary>
    /// Data-free proxies, no sample inputs: for each MatMul (2-D float weight) whose input is a LayerNorm's affine output
    /// <c>x = x̂ ⊙ γ + β</c> (a <c>LayerNormalization</c> node, or the decomposed <c>Add(Mul(x̂, γ), β)</c> with γ, β float
    /// initializers <c>[K]</c>), <c>H = diag(γ²) + ββᵀ</c> <c>[K, K]</c> — the second moment of x when the normalized x̂ has
    /// uncorrelated unit-variance features. Inputs not produced by a LayerNorm have no entry.
    /// </summary>
    public static InputHessians FromLayerNorms(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        Dictionary<string, OnnxNode> producers = model.Graph.ProducerMap();
        var map = new Dictionary<string, (double[] H, int K, long Tokens)>(StringComparer.Ordinal);
        foreach (OnnxNode n in model.Graph.Nodes)
        {
            if (n.OpType != "MatMul" || n.Domain.Length != 0 || n.Inputs.Count != 2 || map.ContainsKey(n.Inputs[0])
                || !inits.TryGetValue(n.Inputs[1], out OnnxTensor? w) || !WeightMatrix.IsFloatMatrix(w))
            {
                continue;
            }

            int k = (int)w.Dims[0];
            if (LayerNormAffine(n.Inputs[0], k, producers, inits) is not (float[] gamma, float[] beta))
            {
                continue;
            }

            var h = new double[k * k];
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    h[(i * k) + j] = ((double)beta[i] * beta[j]) + (i == j ? (double)gamma[i] * gamma[i] : 0);
                }
            }

            map[n.Inputs[0]] = (h, k, 0);
        }

        return new InputHessians(map);
    }

    /// <summary>γ and β <c>[K]</c> when <paramref name="value"/> is a LayerNorm's affine output, else null.</summary>
    private static (float[] Gamma, float[] Beta)? LayerNormAffine(string value, int k, Dictionary<string, OnnxNode> producers, Dictionary<string, OnnxTensor> inits)
    {
        if (!producers.TryGetValue(value, out OnnxNode? add))
        {
            return null;
        }

        float[]? Vector(string name) =>
            inits.TryGetValue(name, out OnnxTensor? t) && t.ElementType == TensorElementType.Float && t.Dims.Length == 1 && t.Dims[0] == k ? t.AsSpan<float>().ToArray() : null;

        if (add.OpType == "LayerNormalization" && add.Inputs.Count >= 2 && Vector(add.Inputs[1]) is float[] g)
        {
            return (g, add.Inputs.Count > 2 && Vector(add.Inputs[2]) is float[] b ? b : new float[k]);
        }

        if (add.OpType != "Add" || add.Inputs.Count != 2)
        {
            return null;
        }

        for (int side = 0; side < 2; side++)
        {
            if (Vector(add.Inputs[1 - side]) is float[] beta && producers.TryGetValue(add.Inputs[side], out OnnxNode? mul) && mul.OpType == "Mul" && mul.Inputs.Count == 2)
            {
                for (int m = 0; m < 2; m++)
                {
                    if (Vector(mul.Inputs[1 - m]) is float[] gamma && producers.TryGetValue(mul.Inputs[m], out OnnxNode? div) && div.OpType == "Div")
                    {
                        return (gamma, beta);
                    }
                }
            }
        }

        return null;
    }

    /// <summary>Runs the float model over <paramref name="batches"/> and accumulates the Hessians of every MatMul input.</summary>
    /// <exception cref="ArgumentException">No batches, or no MatMul with a float weight.</exception>
    public static InputHessians Collect(OnnxModel model, IReadOnlyList<TensorBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            throw new ArgumentException("GPTQ needs at least one batch of sample inputs.", nameof(batches));
        }

        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (OnnxNode n in model.Graph.Nodes)
        {
            if (n.OpType == "MatMul" && n.Domain.Length == 0 && n.Inputs.Count == 2 && inits.TryGetValue(n.Inputs[1], out OnnxTensor? w) && WeightMatrix.IsFloatMatrix(w))
            {
                sizes[n.Inputs[0]] = (int)w.Dims[0];
            }
        }

        if (sizes.Count == 0)
        {
            throw new ArgumentException($"Model '{model.Graph.Name}' has no MatMul with a 2-D float weight to collect input statistics for.", nameof(model));
        }

        List<string> targets = [.. sizes.Keys];
        var sums = targets.ToDictionary(t => t, t => (H: new double[sizes[t] * sizes[t]], Tokens: 0L), StringComparer.Ordinal);

        // Scratch reused across batches and targets (large arrays: allocating them per batch grew the process by hundreds of MB).
        var products = new Dictionary<int, float[]>();
        float[] rows = [];
        ActivationProbe.Run(model, targets, batches, (batch, results) =>
        {
            for (int i = 0; i < targets.Count; i++)
            {
                int k = sizes[targets[i]];
                ReadOnlySpan<float> x = RealTokens(results[i].GetTensorDataAsSpan<float>(), k, BertInputs.AttentionMaskOf(batch), ref rows, out int tokens);
                var (h, count) = sums[targets[i]];
                if (!products.TryGetValue(k, out float[]? xtx))
                {
                    products[k] = xtx = new float[k * k];
                }

                Accumulate(x, tokens, k, h, xtx);
                sums[targets[i]] = (h, count + tokens);
            }
        });

        var map = new Dictionary<string, (double[] H, int K, long Tokens)>(StringComparer.Ordinal);
        foreach ((string name, (double[] h, long tokens)) in sums)
        {
            double inv = tokens == 0 ? 0 : 1.0 / tokens;
            for (int i = 0; i < h.Length; i++)
            {
                h[i] *= inv;
            }

            map[name] = (h, sizes[name], tokens);
        }

        return new InputHessians(map);
    }

    /// <summary>
    /// The rows <c>[tokens, K]</c> of an activation whose attention-mask entry is 1: the activation itself when every row is
    /// real (or the shapes do not line up), else the real rows copied into <paramref name="buffer"/> (grown as needed).
    /// </summary>
    private static ReadOnlySpan<float> RealTokens(ReadOnlySpan<float> activation, int k, long[]? mask, ref float[] buffer, out int tokens)
    {
        int rows = activation.Length / k;
        if (mask is null || mask.Length != rows || !mask.Contains(0L))
        {
            tokens = rows;
            return activation[..(rows * k)];
        }

        tokens = mask.Count(m => m != 0);
        if (buffer.Length < tokens * k)
        {
            buffer = new float[tokens * k];
        }

        int t = 0;
        for (int r = 0; r < rows; r++)
        {
            if (mask[r] != 0)
            {
                activation.Slice(r * k, k).CopyTo(buffer.AsSpan(t++ * k, k));
            }
        }

        return buffer.AsSpan(0, tokens * k);
    }

    /// <summary><c>H += XᵀX</c> for X <c>[tokens, K]</c> (float GEMM per batch into <paramref name="xtx"/> <c>[K, K]</c>, accumulated in double).</summary>
    private static void Accumulate(ReadOnlySpan<float> x, int tokens, int k, double[] h, float[] xtx)
    {
        if (tokens == 0)
        {
            return;
        }

        Gemm.Multiply(x, true, x, false, xtx, k, k, tokens, 1f, 0f, 1);
        for (int i = 0; i < xtx.Length; i++)
        {
            h[i] += xtx[i];
        }
    }
}
