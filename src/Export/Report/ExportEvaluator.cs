using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Pipelines.Export.Evaluation;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Export.Report;

/// <summary>
/// Measures an exported artifact against its float model: size on disk, latency at batch 1 and 32 (interleaved runs, same
/// pinned settings), output fidelity (max abs diff, cosine of pooled embeddings), label agreement and accuracy, and an
/// ML.NET <c>ApplyOnnxModel</c> load-and-run of the artifact. Both files are loaded back by ORT from disk.
/// </summary>
public static class ExportEvaluator
{
    /// <summary>Evaluates <paramref name="artifactPath"/> against <paramref name="floatPath"/>.</summary>
    /// <param name="name">The artifact's description.</param>
    /// <param name="floatPath">The float model file.</param>
    /// <param name="artifactPath">The exported model file.</param>
    /// <param name="evaluation">Examples compared for fidelity (and accuracy).</param>
    /// <param name="batch1">Input used for batch-1 latency.</param>
    /// <param name="batch32">Input used for batch-32 latency (null skips it).</param>
    /// <param name="options">Options.</param>
    public static ExportReport Evaluate(string name, string floatPath, string artifactPath, IReadOnlyList<TensorBatch> evaluation,
        TensorBatch batch1, TensorBatch? batch32, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(batch1);
        options ??= new EvaluationOptions();
        using OnnxSession floatSession = OrtSessions.Create(floatPath, options.Session);
        using OnnxSession session = OrtSessions.Create(artifactPath, options.Session);

        (double f1, double q1, double f1Fast, double q1Fast) = Latency(floatSession.Session, session.Session, batch1, options, options.LatencyRunsB1 > 0 ? options.LatencyRunsB1 : options.LatencyRuns);
        (double f32, double q32, double f32Fast, double q32Fast) = batch32 is null
            ? (double.NaN, double.NaN, double.NaN, double.NaN)
            : Latency(floatSession.Session, session.Session, batch32, options, options.LatencyRuns);

        var floatEmb = new List<float[]>();
        var quantEmb = new List<float[]>();
        var floatRows = new List<float[]>();
        var quantRows = new List<float[]>();
        string[] outputs = options.LabelOutput is { } lo && lo != options.Output ? [options.Output, lo] : [options.Output];
        float maxDiff = 0;
        foreach (TensorBatch b in evaluation)
        {
            IReadOnlyDictionary<string, (float[] Data, long[] Shape)> fr = floatSession.RunFloat(b, outputs);
            IReadOnlyDictionary<string, (float[] Data, long[] Shape)> qr = session.RunFloat(b, outputs);
            long[]? mask = BertInputs.AttentionMaskOf(b);
            (float[] fd, long[] shape) = fr[outputs[0]];
            float[] qd = qr[outputs[0]].Data;
            maxDiff = MathF.Max(maxDiff, EmbeddingMath.MaxAbsDiff(fd, qd, shape, mask));
            floatEmb.AddRange(EmbeddingMath.Pool(fd, shape, mask));
            quantEmb.AddRange(EmbeddingMath.Pool(qd, shape, mask));
            if (options.LabelOutput is not null)
            {
                floatRows.AddRange(EmbeddingMath.Pool(fr[outputs[^1]].Data, fr[outputs[^1]].Shape, mask));
                quantRows.AddRange(EmbeddingMath.Pool(qr[outputs[^1]].Data, qr[outputs[^1]].Shape, mask));
            }
        }

        double[] cos = floatEmb.Zip(quantEmb, EmbeddingMath.Cosine).ToArray();
        double? agreement = null, accuracy = null, floatAccuracy = null;
        if (options.Classifier is { } classify)
        {
            int[] fp = (options.LabelOutput is null ? floatEmb : floatRows).Select(classify).ToArray();
            int[] qp = (options.LabelOutput is null ? quantEmb : quantRows).Select(classify).ToArray();
            agreement = fp.Zip(qp).Average(p => p.First == p.Second ? 1.0 : 0.0);
            if (options.Labels is { } labels)
            {
                int n = Math.Min(labels.Count, fp.Length);
                accuracy = Enumerable.Range(0, n).Average(i => qp[i] == labels[i] ? 1.0 : 0.0);
                floatAccuracy = Enumerable.Range(0, n).Average(i => fp[i] == labels[i] ? 1.0 : 0.0);
            }
        }

        float? mlnet = null;
        string? mlnetError = null;
        if (options.CheckMlNet)
        {
            using TensorBatch first = FirstRow(evaluation[0]);
            try
            {
                float[] viaMlNet = MlNetLoadCheck.Run(artifactPath, first, options.Output);
                (float[] viaOrt, _) = session.RunFloat(first, [options.Output])[options.Output];
                mlnet = EmbeddingMath.MaxAbsDiff(viaOrt, viaMlNet, [viaOrt.Length], null);
            }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
            {
                // e.g. ML.NET 5.0.1's OnnxTransformer rejects INT4/UINT4 tensors ("Unsupported ONNX scalar type: 21"): the report says so.
                mlnetError = e.Message;
            }
        }

        return new ExportReport
        {
            Name = name,
            Bytes = ModelFiles.SizeOnDisk(artifactPath),
            FloatBytes = ModelFiles.SizeOnDisk(floatPath),
            LatencyMsB1 = q1,
            FloatLatencyMsB1 = f1,
            LatencyMsB32 = q32,
            FloatLatencyMsB32 = f32,
            FastestDecileMsB1 = q1Fast,
            FloatFastestDecileMsB1 = f1Fast,
            FastestDecileMsB32 = q32Fast,
            FloatFastestDecileMsB32 = f32Fast,
            MaxAbsDiff = maxDiff,
            MeanCosine = cos.Average(),
            MinCosine = cos.Min(),
            Examples = cos.Length,
            LabelAgreement = agreement,
            Accuracy = accuracy,
            FloatAccuracy = floatAccuracy,
            MlNetMaxAbsDiff = mlnet,
            MlNetError = mlnetError,
        };
    }

    /// <summary>The first row of a batch (a new batch the caller disposes), trimmed to its real tokens when there is an attention mask.</summary>
    public static TensorBatch FirstRow(TensorBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long[]? mask = BertInputs.AttentionMaskOf(batch);
        long[] firstShape = batch.ShapeOf(batch.Names[0]);
        int seq = firstShape.Length > 1 ? (int)firstShape[1] : 1;
        int keep = mask is null ? seq : Math.Max(1, mask.AsSpan(0, seq).Count(1L));
        var row = new TensorBatch();
        foreach (string name in batch.Names)
        {
            long[] shape = batch.ShapeOf(name);
            Array data = batch.DataOf(name);
            int perRow = (int)(data.Length / shape[0]);
            bool trim = shape.Length == 2 && mask is not null;
            int count = trim ? keep : perRow;
            long[] rowShape = trim ? [1, keep] : [1, .. shape.Skip(1)];
            switch (data)
            {
                case long[] l:
                    row.Add(name, l.AsSpan(0, count).ToArray(), rowShape);
                    break;
                case int[] i:
                    row.Add(name, i.AsSpan(0, count).ToArray(), rowShape);
                    break;
                case float[] f:
                    row.Add(name, f.AsSpan(0, count).ToArray(), rowShape);
                    break;
                default:
                    throw new NotSupportedException($"Input '{name}' has an unsupported element type.");
            }
        }

        return row;
    }

    private static (double Float, double Artifact, double FloatFast, double ArtifactFast) Latency(InferenceSession floatSession, InferenceSession session, TensorBatch batch, EvaluationOptions options, int runs)
    {
        string[] names = [.. batch.Names];
        OrtValue[] inputs = [.. names.Select(batch.GetValue)];
        using var runOptions = new RunOptions();
        double Once(InferenceSession s)
        {
            long start = Stopwatch.GetTimestamp();
            using IDisposableReadOnlyCollection<OrtValue> r = s.Run(runOptions, names, inputs, [options.Output]);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        for (int i = 0; i < options.WarmupRuns; i++)
        {
            Once(floatSession);
            Once(session);
        }

        var ft = new List<double>();
        var qt = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            ft.Add(Once(floatSession));
            qt.Add(Once(session));
        }

        return (Quantile(ft, 0.5), Quantile(qt, 0.5), Quantile(ft, 0.1), Quantile(qt, 0.1));
    }

    private static double Quantile(List<double> values, double q)
    {
        values.Sort();
        return values[(int)(q * (values.Count - 1) + 0.5)];
    }
}
