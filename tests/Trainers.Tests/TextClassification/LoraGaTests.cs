using Microsoft.ML.OnnxRuntime;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers.TextClassification;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Trainers.Tests.TextClassification;

public sealed class LoraGaTests
{
    private static readonly FineTuneOptions s_options = new()
    {
        Method = LowRankMethod.LoraGa,
        Rank = 2,
        Alpha = 4,
        MaxLength = 8,
        Seed = 3,
        LoraGaGamma = 16,
    };

    [Fact]
    public void OutputAtInitialisationIsUnchanged()
    {
        using var task = new TinyTextTask();
        using LabeledBatch batch = LabeledBatch.Encode(task.Tokenizer, TinyTextTask.Sentences(16, seed: 4));
        OnnxModel adapted = FineTuneModels.Prepare(task.Encoder, s_options, [batch], SessionSettings.Default);
        OnnxModel plain = ClassifierGraph.AddHead(task.Encoder, FineTuneModels.HeadOptions(s_options));

        float[] expected = Logits(plain, batch);
        float[] actual = Logits(adapted, batch);
        Assert.True(Pipelines.Testing.OrtRunner.MaxAbsDiff(expected, actual) < 1e-5f);

        // The adapters are not zero: the base weights were really moved by −s·A·B.
        AdapterGraphEntry entry = AdapterGraphEntry.Read(adapted)[0];
        Assert.Contains(adapted.Graph.FindInitializer(entry.LoraB)!.ToArray<float>(), v => MathF.Abs(v) > 1e-3f);
        Assert.NotEqual(plain.Graph.FindInitializer(entry.BaseInitializer)!.ToArray<float>(), adapted.Graph.FindInitializer(entry.BaseInitializer)!.ToArray<float>());
    }

    // Derivation (research note, LoRA-GA): y = x·W_res + s·(x·A)·B, so ∂L/∂A = s·G·Bᵀ and ∂L/∂B = s·Aᵀ·G with G = ∂L/∂W.
    // One SGD step of size η moves W_eff by s·(ΔA·B + A·ΔB) + O(η²) = −η·s²·(A·Aᵀ·G + G·Bᵀ·B). With A = c·U[:, :r] and
    // B = c·Vᵀ[r:2r] this is −η·s²·c²·G_[2r], the best rank-2r approximation of the full fine-tuning step.
    [Fact]
    public void FirstSgdStepMatchesBestRank2rApproximationOfFullGradientStep()
    {
        using var task = new TinyTextTask();
        using LabeledBatch batch = LabeledBatch.Encode(task.Tokenizer, TinyTextTask.Sentences(16, seed: 4));
        ClassifierHeadOptions head = FineTuneModels.HeadOptions(s_options);
        IReadOnlyDictionary<string, Matrix> gradients = LoraGaInitializer.AverageGradients(task.Encoder, head, s_options, [batch], SessionSettings.Default);
        OnnxModel adapted = FineTuneModels.Prepare(task.Encoder, s_options, [batch], SessionSettings.Default);
        IReadOnlyList<AdapterGraphEntry> entries = AdapterGraphEntry.Read(adapted);
        Assert.Equal(2, entries.Count);

        TrainableTensor[] tensors = entries.SelectMany(e => new[] { e.LoraA, e.LoraB }).Select(name =>
        {
            OnnxTensor t = adapted.Graph.FindInitializer(name)!;
            return new TrainableTensor(name, t.Dims, t.ToArray<float>());
        }).ToArray();
        float[][] grads = new float[tensors.Length][];
        using (var session = new GradientSession(ClassifierLossGraph.Add(adapted), tensors, SessionSettings.Default))
        {
            session.Run(batch, (_, _, g) =>
            {
                for (int i = 0; i < g.Count; i++)
                {
                    grads[i] = g[i].GetTensorDataAsSpan<float>().ToArray();
                }
            });
        }

        const float Eta = 1e-4f;
        int checkedTruncation = 0;
        for (int e = 0; e < entries.Count; e++)
        {
            AdapterGraphEntry entry = entries[e];
            float s = entry.Alpha / entry.Rank;
            float[] a = tensors[2 * e].Values, b = tensors[(2 * e) + 1].Values;
            float[] gA = grads[2 * e], gB = grads[(2 * e) + 1];

            // s·(A′B′ − AB) = s·(ΔA·B + A·ΔB + ΔA·ΔB), ΔA = −η·∂L/∂A, summed in double: the float difference of the
            // two products would cancel catastrophically at this η.
            int n = TinyTextTask.Hidden, r = entry.Rank;
            double[] step = new double[n * n];
            for (int i = 0; i < n; i++)
            {
                for (int k = 0; k < n; k++)
                {
                    double sum = 0;
                    for (int j = 0; j < r; j++)
                    {
                        double dA = -Eta * (double)gA[(i * r) + j], dB = -Eta * (double)gB[(j * n) + k];
                        sum += (dA * b[(j * n) + k]) + (a[(i * r) + j] * dB) + (dA * dB);
                    }

                    step[(i * n) + k] = s * sum;
                }
            }

            // −η·s²·c²·G_[2r] from an exact SVD of the averaged gradient.
            float c = MathF.Pow(TinyTextTask.Hidden, 0.25f) / MathF.Sqrt(s_options.LoraGaGamma);
            SvdResult svd = JacobiSvd.Compute(gradients[entry.Module]);
            float[] best = svd.Slice(0, 2 * entry.Rank).Reconstruct().Data;
            double[] expected = best.Select(g => -Eta * s * s * c * c * (double)g).ToArray();

            double diff = Math.Sqrt(step.Zip(expected, (x, y) => (x - y) * (x - y)).Sum());
            double norm = Math.Sqrt(expected.Sum(x => x * x));
            Assert.True(norm > 0);
            Assert.True(diff / norm < 1e-2, $"{entry.Module}: relative error {diff / norm:g3}");

            // …and where G has rank > 2r it is not the full step: the rest of the spectrum is missing. (The last layer's
            // gradient has rank ≤ C = 2 because every token's upstream gradient lies in the span of the head's columns.)
            if (svd.S[2 * entry.Rank] < 1e-3 * svd.S[0])
            {
                continue;
            }

            checkedTruncation++;
            double[] fullStep = gradients[entry.Module].Data.Select(g => -Eta * s * s * c * c * (double)g).ToArray();
            double fullDiff = Math.Sqrt(step.Zip(fullStep, (x, y) => (x - y) * (x - y)).Sum());
            Assert.True(fullDiff > 10 * diff, $"{entry.Module}: the step also matches the full gradient ({fullDiff:g3} vs {diff:g3})");
        }

        Assert.True(checkedTruncation > 0);
    }

    private static float[] Logits(OnnxModel classifier, LabeledBatch batch)
    {
        using OnnxSession session = OrtSessions.Create(classifier);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(batch.Tensors, [ClassifierGraph.LogitsOutput]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
