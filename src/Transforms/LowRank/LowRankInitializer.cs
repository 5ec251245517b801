using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>The adapted model, its adapters and what initialisation did.</summary>
/// <param name="Model">
/// The adapted ONNX model (a new object; the input model is not modified): its untouched initializers share their data
/// arrays with the input's (<see cref="OnnxModel.CloneSharingData"/>; replace a tensor's data, never write into it).
/// </param>
/// <param name="Adapters">The adapter factors (current and initial) and their peft-style config.</param>
/// <param name="Report">Per-layer figures.</param>
public sealed record AdaptedModel(OnnxModel Model, AdapterSet Adapters, InitializationReport Report);

/// <summary>
/// SVD-based LoRA initialisation of an ONNX model (PiSSA, PiSSA-fast, MiLoRA, OLoRA, plain LoRA, orthogonal; EVA and
/// CorDA from activations; LoftQ with a caller's quantizer): selects target weights, computes the factors, writes W_res = W − s·A·B (from the
/// factors actually stored, so the adapted model reproduces the original at initialisation) and the adapter ops.
/// </summary>
public static class LowRankInitializer
{
    /// <summary>Initialises adapters on a copy of <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">Invalid options, no matching target, or a rank too large for a target.</exception>
    /// <exception cref="NotSupportedException">A target weight is not float32 or is not in x·W form.</exception>
    public static AdaptedModel Initialize(OnnxModel model, LowRankOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!LowRankMethods.Initializers.Contains(options.Method))
        {
            throw new ArgumentException(
                $"{options.Method} is a fine-tuning method (it needs the task's gradients or trains every weight); initialise with one of {string.Join(", ", LowRankMethods.Initializers)}.",
                nameof(options));
        }

        if (options.Method == LowRankMethod.Eva)
        {
            return EvaInitializer.Initialize(model, options);
        }

        var clock = Stopwatch.StartNew();
        IReadOnlyList<LowRankTarget> targets = LowRankTargets.Resolve(model, options);
        int threads = options.MaxThreads <= 0 ? Environment.ProcessorCount : options.MaxThreads;
        IReadOnlyList<Matrix>? preRead = null;
        if (options.Redistribution is { } redistribution)
        {
            (targets, preRead) = redistribution.Apply(targets, targets.Select(t => ReadWeight(model, t)).ToArray(), options, threads);
        }

        // PiSSA-fast reads an untransposed weight in place (the SVD only reads it) and writes W_res straight into the
        // initializer's new byte array: one copy of each weight instead of a float copy plus a byte copy.
        bool inPlace = preRead is null && options.Method == LowRankMethod.PissaFast && !options.BaseUntouched && !options.Dora;
        var weights = new Matrix?[targets.Count];
        var stored = new byte[]?[targets.Count];

        DampedCovariance[]? covariances = options.Method is LowRankMethod.CordaKpm or LowRankMethod.CordaIpm
            ? CordaDecomposition.Covariances(model, targets, options.Corda!)
            : null;

        // The model to adapt shares every initializer's data with the input (the rewrite swaps the targets' arrays, never
        // writes into one), so only the graph structure is copied. The base hash is the caller's (the model file's) when
        // given; otherwise the serialization is hashed while the factors are computed (on one thread, first).
        OnnxModel adapted = model.CloneSharingData();
        Task<string> hashing = options.BaseModelSha256 is { } given ? Task.FromResult(given)
            : threads > 1 ? Task.Run(() => Sha256(model)) : Task.FromResult(Sha256(model));

        int outer = Math.Min(threads, targets.Count);
        int inner = outer > 1 ? 1 : threads;
        var results = new FactorResult[targets.Count];
        var residuals = new Matrix?[targets.Count];
        var reports = new LayerReport[targets.Count];
        bool mutates = options.Method is LowRankMethod.Pissa or LowRankMethod.PissaFast or LowRankMethod.MiLora or LowRankMethod.OLora
            or LowRankMethod.CordaKpm or LowRankMethod.CordaIpm or LowRankMethod.LoftQ;
        // Largest targets first, handed out one at a time, so the last ones to finish are small.
        int[] order = Enumerable.Range(0, targets.Count).OrderByDescending(i => (long)targets[i].InFeatures * targets[i].OutFeatures).ThenBy(i => i).ToArray();
        Parallel.ForEach(Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering), new ParallelOptions { MaxDegreeOfParallelism = outer }, i =>
        {
            var sw = Stopwatch.StartNew();
            LowRankTarget t = targets[i];
            FactorResult f;
            double norm;
            double relError = 1.0;
            if (inPlace && !t.Weight.Transposed)
            {
                ReadOnlySpan<float> w = FloatWeight(model, t).AsSpan<float>();
                f = FactorInitializer.Fast(t, w, options, FactorInitializer.Seed(options, t), inner);
                norm = f.Norm;
                byte[] raw = new byte[checked(w.Length * sizeof(float))];
                Span<float> res = MemoryMarshal.Cast<byte, float>(raw.AsSpan());
                w.CopyTo(res);
                relError = SubtractAdapter(t, f, res, norm, inner);
                stored[i] = raw;
                results[i] = f;
                reports[i] = Report(t, f, norm, relError, sw);
                return;
            }

            Matrix m = preRead?[i] ?? ReadWeight(model, t);
            weights[i] = m;
            f = FactorInitializer.Compute(t, m, options, inner, covariances?[i]);
            norm = double.IsNaN(f.Norm) ? m.FrobeniusNorm() : f.Norm;
            if (mutates)
            {
                // W_res = W − s·A·B from the stored factors (LoftQ: the dequantized Q, with W ≈ Q + s·A·B).
                Matrix res;
                if (f.Residual is { } given)
                {
                    res = given;
                    relError = f.RelError;
                }
                else
                {
                    // In place over this target's copy of W (read for the factors, which are done with it) unless W is kept.
                    res = options.BaseUntouched ? m.Clone() : m;
                    relError = SubtractAdapter(t, f, res.Data, norm, inner);
                }

                residuals[i] = options.BaseUntouched ? null : res;
            }

            results[i] = f;
            reports[i] = Report(t, f, norm, relError, sw);
        });

        string baseHash = hashing.GetAwaiter().GetResult();
        AdapterFactors[] factors = results.Select(r => r.Factors).ToArray();
        AdapterFactors[] initial = factors.Select(Copy).ToArray();
        var residualMap = new Dictionary<string, Matrix>(StringComparer.Ordinal);
        var storedMap = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var frozen = new Dictionary<string, AdapterFactors>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            if (residuals[i] is { } r)
            {
                residualMap[targets[i].Module] = r;
            }
            else if (stored[i] is { } raw)
            {
                storedMap[targets[i].Module] = raw;
            }
            else if (mutates && options.BaseUntouched)
            {
                frozen[targets[i].Module] = initial[i];
            }

            if (options.Dora)
            {
                factors[i] = WithDoraMagnitude(residuals[i] ?? weights[i]!, factors[i], frozen.GetValueOrDefault(targets[i].Module));
                initial[i] = Copy(factors[i]);
            }
        }

        AdaptedGraphWriter.Apply(adapted, factors, residualMap, frozen, storedMap);
        var config = AdapterConfig.Create(options, targets, baseHash);
        var set = new AdapterSet(factors, initial, config);
        return new AdaptedModel(adapted, set, new InitializationReport(options.Method, reports, clock.Elapsed.TotalSeconds));
    }

    /// <summary>SHA-256 (hex) of the model's serialized bytes, recorded in adapter configs as the base-model hash.</summary>
    public static string Sha256(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var sha = SHA256.Create();
        using (var stream = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write, leaveOpen: true))
        {
            OnnxModelIO.WriteTo(model, stream);
        }

        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>W_res = W − s·A·B in place over <paramref name="w"/> (W on entry); returns ‖W_res‖_F / ‖W‖_F.</summary>
    private static double SubtractAdapter(LowRankTarget t, FactorResult f, Span<float> w, double norm, int threads)
    {
        Gemm.Multiply(f.Factors.A.Data, false, f.Factors.B.Data, false, w, t.InFeatures, t.OutFeatures, t.Rank, alpha: -t.Scale, beta: 1f, maxThreads: threads);
        return norm > 0 ? MatrixOps.FrobeniusNorm(w) / norm : 0;
    }

    private static LayerReport Report(LowRankTarget t, FactorResult f, double norm, double relError, Stopwatch sw)
    {
        double delta = f.Factors.DeltaNorm();
        return new LayerReport(
            t.Module, t.Weight.Initializer, t.Weight.Role.ShortName(), t.Weight.Layer, t.InFeatures, t.OutFeatures, t.Rank, t.Alpha,
            norm > 0 ? delta * delta / (norm * norm) : 0, relError, f.OptimalRelError, f.ErrorBound, f.PowerIterations, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The target's weight as an in×out float matrix (transposed from Gemm transB = 1 storage).</summary>
    /// <exception cref="NotSupportedException">The weight is not float32.</exception>
    internal static Matrix ReadWeight(OnnxModel model, LowRankTarget t)
    {
        OnnxTensor w = FloatWeight(model, t);
        int rows = checked((int)w.Dims[0]);
        int cols = checked((int)w.Dims[1]);
        var m = Matrix.FromSpan(rows, cols, w.AsSpan<float>());
        return t.Weight.Transposed ? m.Transpose() : m;
    }

    // The target's weight initializer, float32.
    private static OnnxTensor FloatWeight(OnnxModel model, LowRankTarget t)
    {
        OnnxTensor w = model.Graph.FindInitializer(t.Weight.Initializer)
            ?? throw new InvalidOperationException($"Initializer '{t.Weight.Initializer}' of {t.Module} is missing.");
        if (w.ElementType != TensorElementType.Float)
        {
            throw new NotSupportedException(
                $"Weight '{w.Name}' ({t.Module}) is {w.ElementType}; SVD initialisation needs float32 weights. Initialise on the float model, then quantize the residual.");
        }

        return w;
    }

    internal static AdapterFactors Copy(AdapterFactors f) => f with { A = f.A.Clone(), B = f.B.Clone(), Magnitude = (float[]?)f.Magnitude?.Clone() };

    /// <summary>
    /// DoRA's initial magnitude m = ‖V‖_c, V = <paramref name="stored"/> + s·A·B − s·A₀·B₀ (the weight the adapted graph
    /// sees at initialisation; A₀·B₀ only with <paramref name="frozen"/>), as peft's <c>DoraLinearLayer.update_layer</c>.
    /// </summary>
    /// <param name="stored">The weight the graph keeps (W_res, or W when the base is untouched), in×out.</param>
    /// <param name="f">The trainable factors.</param>
    /// <param name="frozen">The frozen initial factors (base-untouched mode), or null.</param>
    internal static AdapterFactors WithDoraMagnitude(Matrix stored, AdapterFactors f, AdapterFactors? frozen)
    {
        Matrix v = stored.Clone();
        Gemm.Multiply(f.A.Data, false, f.B.Data, false, v.Data, v.Rows, v.Cols, f.Rank, alpha: f.Scale, beta: 1f);
        if (frozen is not null)
        {
            Gemm.Multiply(frozen.A.Data, false, frozen.B.Data, false, v.Data, v.Rows, v.Cols, frozen.Rank, alpha: -frozen.Scale, beta: 1f);
        }

        return f with { Magnitude = Pipelines.Onnx.Adapters.DoraColumns.Norms(v) };
    }
}
