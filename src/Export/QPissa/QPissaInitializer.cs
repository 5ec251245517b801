using System.Text.Json;
using Pipelines.Export.Quantization;
using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Export.QPissa;

/// <summary>
/// QPiSSA (PiSSA paper, Alg. 1) with the export quantizer in the loop. For each weight <c>W[K, N]</c> (ONNX <c>y = x·W</c>):
/// <code>
/// res ← W
/// repeat T times:
///     U, S, Vᵀ ← SVD_r(res)                 // exact thin SVD, top r triplets
///     A ← U·√S / √s,  B ← √S·Vᵀ / √s        // A [K, r], B [r, N]: s·A·B = U_r S_r V_rᵀ
///     W_res ← W − s·A·B
///     res ← W − deq(Q(W_res))               // Q is the artifact's own quantizer
/// </code>
/// The adapters absorb the quantization error of exactly the quantizer the artifact uses. T = 1 is PiSSA followed by
/// quantization. The error report compares <c>W − (deq(Q(W_res)) + s·A·B)</c> with <c>W − deq(Q(W))</c>.
/// </summary>
public static class QPissaInitializer
{
    /// <summary>Metadata key listing the adapters as JSON (module → A, B, scale).</summary>
    public const string MetadataKey = "pipelines.qpissa";

    /// <summary>Runs QPiSSA over the model's MatMul weights and returns the adapted float model with the report.</summary>
    public static QPissaResult Run(OnnxModel model, QPissaOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        OnnxModel copy = model.Clone();
        OnnxGraph g = copy.Graph;
        var builder = new GraphBuilder(g);
        List<LinearWeight> targets = ModelSummary.Create(copy).Weights
            .Where(w => w.OpType == "MatMul" && w.InputIndex == 1 && !w.Transposed)
            .Where(w => options.Weights is null ? w.Layer >= 0 : options.Weights.Contains(w.Initializer))
            .ToList();
        if (targets.Count == 0)
        {
            throw new InvalidOperationException("No MatMul weight matches the QPiSSA targets.");
        }

        var reports = new List<QPissaLayerReport>();
        var adapters = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<Dictionary<string, string>>();
        foreach (LinearWeight target in targets)
        {
            OnnxTensor weight = g.FindInitializer(target.Initializer)!;
            int k = (int)target.InFeatures, n = (int)target.OutFeatures;
            if (options.Rank > Math.Min(k, n))
            {
                throw new ArgumentException($"Rank {options.Rank} exceeds min(K, N) = {Math.Min(k, n)} of weight '{target.Initializer}'.", nameof(options));
            }

            float[] w = weight.ToArray<float>();
            (Matrix a, Matrix b, float[] residual, float[] deqResidual) = Factor(w, k, n, options);

            float[] baselineError = Subtract(w, WeightRoundTrip.Dequantize(w, k, n, options.Quantization));
            Matrix ab = MatrixOps.Multiply(a, b);
            float[] qpissaError = new float[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                qpissaError[i] = w[i] - (deqResidual[i] + (options.Scale * ab.Data[i]));
            }

            reports.Add(new QPissaLayerReport(target.Initializer, target.Node, target.Role.ShortName(), target.Layer, k, n,
                Nuclear(baselineError, k, n), Nuclear(qpissaError, k, n), Frobenius(baselineError), Frobenius(qpissaError)));

            // Rewrite y = x·W into y = x·W_res + s·(x·A)·B.
            weight.ReplaceData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(residual.AsSpan()).ToArray());
            OnnxNode node = g.Nodes.First(x => x.Name == target.Node);
            string module = "qpissa." + target.Initializer;
            string aName = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_A", a.Data, k, options.Rank));
            string bName = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_B", b.Data, options.Rank, n));
            string sName = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_scale", [options.Scale]));
            adapters.Add(aName);
            adapters.Add(bName);
            string y = node.Outputs[0];
            string baseOut = builder.UniqueName(module + ".base_out");
            node.Outputs[0] = baseOut;
            int position = g.Nodes.IndexOf(node);
            string xa = builder.UniqueName(module + ".xA");
            string xab = builder.UniqueName(module + ".xAB");
            string scaled = builder.UniqueName(module + ".scaled");
            g.Nodes.InsertRange(position + 1,
            [
                new OnnxNode("MatMul", [node.Inputs[0], aName], [xa], builder.UniqueName(module + ".lora_A.MatMul")),
                new OnnxNode("MatMul", [xa, bName], [xab], builder.UniqueName(module + ".lora_B.MatMul")),
                new OnnxNode("Mul", [xab, sName], [scaled], builder.UniqueName(module + ".lora_scale.Mul")),
                new OnnxNode("Add", [baseOut, scaled], [y], builder.UniqueName(module + ".lora.Add")),
            ]);
            entries.Add(new Dictionary<string, string>
            {
                ["module"] = module,
                ["node"] = target.Node,
                ["base"] = target.Initializer,
                ["lora_A"] = aName,
                ["lora_B"] = bName,
                ["scale"] = sName,
            });
        }

        copy.SetMetadata(MetadataKey, JsonSerializer.Serialize(new { rank = options.Rank, iterations = options.Iterations, quantizer = ModelQuantizer.FormatName(options.Quantization), adapters = entries }));
        return new QPissaResult(copy, reports, adapters);
    }

    /// <summary>Quantizes the residual weights of a QPiSSA model with the same quantizer, adapters left in float.</summary>
    public static QuantizationResult Quantize(QPissaResult result, QPissaOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        QuantizationOptions q = options.Quantization with
        {
            ExcludedInitializers = new HashSet<string>(options.Quantization.ExcludedInitializers.Concat(result.AdapterInitializers), StringComparer.Ordinal),
        };
        return new ModelQuantizer().Quantize(result.Model, q);
    }

    /// <summary>Alg. 1 for one weight (<see cref="QPissaDecomposition"/>): the adapters, W_res and deq(Q(W_res)).</summary>
    internal static (Matrix A, Matrix B, float[] Residual, float[] DequantizedResidual) Factor(float[] w, int k, int n, QPissaOptions options)
    {
        QPissaFactors f = QPissaDecomposition.Decompose(new Matrix(k, n, w), options.Rank, options.Scale, options.Iterations,
            r => new Matrix(k, n, WeightRoundTrip.Dequantize(r.Data, k, n, options.Quantization)));
        return (f.A, f.B, f.Residual.Data, f.DequantizedResidual.Data);
    }

    private static float[] Subtract(float[] x, float[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = x[i] - y[i];
        }

        return r;
    }

    private static double Nuclear(float[] e, int k, int n) => JacobiSvd.SingularValues(new Matrix(k, n, e)).Sum(s => (double)s);

    private static double Frobenius(float[] e) => Math.Sqrt(e.Sum(v => (double)v * v));
}
