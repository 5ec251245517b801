using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// LoRA-GA (Wang et al., NeurIPS 2024), the paper's variant as in the authors' repository
/// (<c>Outsider565/LoRA-GA</c> <c>lora_ga_init</c>), not peft's (which puts the singular values into B and scales only B):
/// <list type="number">
/// <item>G = average of ∂L/∂W over calibration batches, every target weight made trainable in a gradient-only graph;</item>
/// <item>randomized SVD of G (nn.Linear layout G_lin = U·S·Vᵀ, out×in), top 2r triplets;</item>
/// <item>ArB2r: A = Vᵀ[:r] (r×in), B = U[:, r:2r] (out×r);</item>
/// <item><c>stable</c> scale: A and B both multiplied by m^{1/4}/√γ, m = out_features;</item>
/// <item>W ← W − s·B·A so the model's output at initialisation is unchanged.</item>
/// </list>
/// One SGD step of size η on (A, B) then changes the effective weight by −η·s²·c²·G_[2r] (c the scale): the best
/// rank-2r approximation of the full fine-tuning step. In this project's ONNX layout (<c>y = x·W</c>, W in×out)
/// A_onnx = A_linᵀ is in×r and B_onnx = B_linᵀ is r×out.
/// </summary>
internal static class LoraGaInitializer
{
    /// <summary>The averaged gradients of the target weights, in×out layout, keyed by module.</summary>
    /// <param name="encoder">The encoder (not modified).</param>
    /// <param name="head">The head options (the same seed gives the same head as the adapted classifier).</param>
    /// <param name="options">Rank, α, targets, class weights.</param>
    /// <param name="calibration">Labelled calibration batches.</param>
    /// <param name="settings">Session settings.</param>
    public static IReadOnlyDictionary<string, Matrix> AverageGradients(
        OnnxModel encoder, ClassifierHeadOptions head, FineTuneOptions options, IReadOnlyList<LabeledBatch> calibration, SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.Count == 0)
        {
            throw new ArgumentException("LoRA-GA needs at least one calibration batch.", nameof(calibration));
        }

        IReadOnlyList<LowRankTarget> targets = LowRankTargets.Resolve(encoder, FineTuneModels.ToLowRankOptions(options, LowRankMethod.Lora));
        OnnxModel lossModel = ClassifierLossGraph.Add(ClassifierGraph.AddHead(encoder, head), options.ClassWeights);
        var tensors = targets.Select(t =>
        {
            OnnxTensor w = lossModel.Graph.FindInitializer(t.Weight.Initializer)!;
            return new TrainableTensor(w.Name, (long[])w.Dims.Clone(), w.ToArray<float>());
        }).ToArray();
        double[][] sums = tensors.Select(t => new double[t.Values.Length]).ToArray();
        using (var session = new GradientSession(lossModel, tensors, settings))
        {
            foreach (LabeledBatch batch in calibration)
            {
                session.Run(batch, (_, _, grads) =>
                {
                    for (int i = 0; i < grads.Count; i++)
                    {
                        ReadOnlySpan<float> g = grads[i].GetTensorDataAsSpan<float>();
                        double[] s = sums[i];
                        for (int k = 0; k < g.Length; k++)
                        {
                            s[k] += g[k];
                        }
                    }
                });
            }
        }

        var result = new Dictionary<string, Matrix>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            LowRankTarget t = targets[i];
            float[] avg = sums[i].Select(v => (float)(v / calibration.Count)).ToArray();
            var stored = new Matrix(checked((int)tensors[i].Dims[0]), checked((int)tensors[i].Dims[1]), avg);
            result[t.Module] = t.Weight.Transposed ? stored.Transpose() : stored;
        }

        return result;
    }

    /// <summary>
    /// Writes LoRA-GA factors into a classifier built on a plain-LoRA adapted encoder (base untouched): A, B from
    /// <paramref name="gradients"/> and W ← W − s·A·B on each target's base initializer.
    /// </summary>
    /// <returns>The stable-scale factor c per module.</returns>
    public static IReadOnlyDictionary<string, float> Apply(OnnxModel classifier, IReadOnlyDictionary<string, Matrix> gradients, float gamma, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(gradients);
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        Dictionary<string, List<OnnxNode>> consumers = classifier.Graph.ConsumerMap();
        foreach (AdapterGraphEntry entry in AdapterGraphEntry.Read(classifier))
        {
            if (!gradients.TryGetValue(entry.Module, out Matrix? g))
            {
                throw new InvalidOperationException($"No averaged gradient for adapted module '{entry.Module}'.");
            }

            int r = entry.Rank;
            int inF = g.Rows, outF = g.Cols;
            if (2 * r > Math.Min(inF, outF))
            {
                throw new ArgumentException($"LoRA-GA needs 2r = {2 * r} ≤ min(in, out) = {Math.Min(inF, outF)} for '{entry.Module}'.");
            }

            // G_onnx = G_linᵀ: its left singular vectors span the input side (A), its right ones the output side (B).
            SvdResult svd = RandomizedSvd.Compute(g.Data, inF, outF, new RandomizedSvdOptions { Rank = 2 * r, PowerIterations = 4, Seed = seed }).Svd;
            float c = MathF.Pow(outF, 0.25f) / MathF.Sqrt(gamma);
            var a = new Matrix(inF, r);
            var b = new Matrix(r, outF);
            for (int i = 0; i < inF; i++)
            {
                for (int j = 0; j < r; j++)
                {
                    a[i, j] = c * svd.U[i, j];
                }
            }

            for (int j = 0; j < r; j++)
            {
                for (int k = 0; k < outF; k++)
                {
                    b[j, k] = c * svd.Vt[r + j, k];
                }
            }

            OnnxTensor aT = Find(classifier, entry.LoraA);
            OnnxTensor bT = Find(classifier, entry.LoraB);
            OnnxTensor wT = Find(classifier, entry.BaseInitializer);
            if (consumers.TryGetValue(entry.BaseInitializer, out List<OnnxNode>? users) && users.Count > 1)
            {
                throw new NotSupportedException($"Base weight '{entry.BaseInitializer}' of '{entry.Module}' is shared by {users.Count} nodes; LoRA-GA must mutate it.");
            }

            aT.ReplaceData(Bytes(a.Data));
            bT.ReplaceData(Bytes(b.Data));
            float s = entry.Alpha / r;
            bool transposed = wT.Dims[0] != inF || wT.Dims[1] != outF;
            float[] w = wT.ToArray<float>();
            Matrix ab = MatrixOps.Multiply(a, b);
            for (int i = 0; i < inF; i++)
            {
                for (int k = 0; k < outF; k++)
                {
                    int idx = transposed ? (k * inF) + i : (i * outF) + k;
                    w[idx] -= s * ab[i, k];
                }
            }

            wT.ReplaceData(Bytes(w));
            scales[entry.Module] = c;
        }

        return scales;
    }

    private static OnnxTensor Find(OnnxModel model, string name) =>
        model.Graph.FindInitializer(name) ?? throw new InvalidOperationException($"Initializer '{name}' is missing from the adapted model.");

    private static byte[] Bytes(float[] data) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
}
