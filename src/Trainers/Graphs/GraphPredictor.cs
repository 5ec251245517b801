using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs;

namespace Pipelines.Trainers.Graphs;

/// <summary>Runs a <see cref="GraphModel"/> with ONNX Runtime (owns its session).</summary>
public sealed class GraphPredictor : IDisposable
{
    private readonly OnnxSession _session;

    /// <summary>Creates a predictor.</summary>
    public GraphPredictor(GraphModel model, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _session = OrtSessions.Create(model.ToOnnx(), settings);
    }

    /// <summary>The model.</summary>
    public GraphModel Model { get; }

    /// <summary>Model outputs per graph (<c>O</c> values: a regression value or class logits).</summary>
    public float[][] Predict(IReadOnlyList<Graph> graphs, IReadOnlyList<PrecomputedEncoding> encodings, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(encodings);
        int o = Model.Definition.Schema.OutputCount;
        var result = new float[graphs.Count][];
        int[] order = Enumerable.Range(0, graphs.Count).OrderBy(i => graphs[i].NodeCount).ThenBy(i => i).ToArray();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int[] idx = order.Skip(start).Take(batchSize).ToArray();
            using GraphBatch batch = GraphBatch.Create(idx.Select(i => graphs[i]).ToList(), idx.Select(i => encodings[i]).ToList(), Model.Definition, withTargets: false);
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(batch.Tensors, [GraphTensorNames.Prediction]);
            ReadOnlySpan<float> y = outputs[0].GetTensorDataAsSpan<float>();
            for (int r = 0; r < idx.Length; r++)
            {
                result[idx[r]] = y.Slice(r * o, o).ToArray();
            }
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
