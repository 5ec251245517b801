using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>The spread of one GINE layer's node states and of the loss gradient with respect to them.</summary>
/// <param name="Layer">ℓ, 0-based.</param>
/// <param name="Activation">Var(h_ℓ) over the real nodes and channels of the batch.</param>
/// <param name="Gradient">Var(∂L/∂h_ℓ) over the same entries.</param>
public sealed record LayerVariance(int Layer, double Activation, double Gradient);

/// <summary>
/// Measures, at initialisation, how activations and gradients spread layer by layer through the GINE backbone on one
/// batch of graphs: the quantity Virgo (<see cref="GnnInit.Virgo"/>) is designed to keep steady.
/// </summary>
public static class GraphInitDiagnostics
{
    /// <summary>Initialises a model for <paramref name="definition"/> (from <paramref name="batch"/>'s graphs) and measures it on that batch.</summary>
    /// <param name="definition">The model; its backbone's <see cref="GineOptions.Init"/> and seed pick the initialisation.</param>
    /// <param name="batch">Graphs with targets and their encodings, run as one batch.</param>
    /// <returns>One entry per GINE layer.</returns>
    public static IReadOnlyList<LayerVariance> Measure(GraphModelDefinition definition, GraphSplit batch)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(batch);

        // Measured on the dense layout's (B, N, H) states: the same function of the same parameters as the sparse one.
        definition = definition with { Backbone = definition.Backbone with { MessagePassing = GraphMessagePassing.Dense } };
        ParameterStore backbone = GraphModelBuilder.InitializeBackbone(definition, batch.Graphs);
        SpeParameters? spe = definition.Encoding is SpeEncoding se ? SpeParameters.Initialize(se.SpeOptions with { Seed = se.SpeOptions.Seed + definition.Backbone.Seed }) : null;
        OnnxModel model = GraphModelBuilder.Build(definition, backbone, spe, withLoss: true);

        using GraphBatch packed = GraphBatch.Create(batch.Graphs, batch.Encodings, definition, withTargets: true);
        long[] nodeShape = packed.Tensors.ShapeOf(SpeTensorNames.NodeMask);
        long[] stateShape = [nodeShape[0], nodeShape[1], definition.Backbone.HiddenSize];
        int layers = definition.Backbone.Layers;

        // h_ℓ ← h_ℓ + probe_ℓ with probe_ℓ = 0: ∂L/∂probe_ℓ = ∂L/∂h_ℓ, entry by entry
        string[] probes = new string[layers];
        for (int l = 0; l < layers; l++)
        {
            string h = GraphModelBuilder.LayerOutput(l);
            OnnxNode tap = model.Graph.Nodes.Single(n => n.Outputs.Contains(h));
            tap.Outputs[tap.Outputs.IndexOf(h)] = h + ".raw";
            probes[l] = h + ".probe";
            model.Graph.Initializers.Add(OnnxTensor.FromFloats(probes[l], new float[OnnxTensor.ElementCountOf(stateShape)], stateShape));
            model.Graph.Nodes.Add(new OnnxNode("Add", [h + ".raw", probes[l]], [h], h + ".probe_add"));
        }

        GraphTopology.Sort(model.Graph);
        GradientGraph gg = GradientBuilder.Build(model, GraphTensorNames.Loss, probes);
        for (int l = 0; l < layers; l++)
        {
            gg.Model.Graph.Outputs.Add(new ValueInfo(GraphModelBuilder.LayerOutput(l), null));
        }

        using OnnxSession session = OrtSessions.Create(gg.Model, new SessionSettings { IntraOpThreads = 1 });
        var feeds = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        var zeros = new float[OnnxTensor.ElementCountOf(stateShape)];
        try
        {
            foreach (string name in gg.Model.Graph.Inputs.Select(v => v.Name))
            {
                feeds[name] = probes.Contains(name) ? OrtValue.CreateTensorValueFromMemory(zeros, stateShape) : packed.Tensors.GetValue(name);
            }

            string[] outputs = [.. probes.Select(p => gg.Gradients[p]), .. Enumerable.Range(0, layers).Select(GraphModelBuilder.LayerOutput)];
            using IDisposableReadOnlyCollection<OrtValue> values = session.RunValues(feeds, outputs);
            float[] mask = packed.Tensors.Get<float>(SpeTensorNames.NodeMask);
            return [.. Enumerable.Range(0, layers).Select(l => new LayerVariance(
                l,
                Variance(values[layers + l].GetTensorDataAsSpan<float>(), mask, definition.Backbone.HiddenSize),
                Variance(values[l].GetTensorDataAsSpan<float>(), mask, definition.Backbone.HiddenSize)))];
        }
        finally
        {
            foreach (string p in probes)
            {
                if (feeds.TryGetValue(p, out OrtValue? v))
                {
                    v.Dispose();
                }
            }
        }
    }

    // population variance over the real nodes' entries of a (B, N, H) tensor
    private static double Variance(ReadOnlySpan<float> x, float[] mask, int width)
    {
        double sum = 0, square = 0;
        long count = 0;
        for (int node = 0; node < mask.Length; node++)
        {
            if (mask[node] == 0)
            {
                continue;
            }

            for (int c = 0; c < width; c++)
            {
                double v = x[(node * width) + c];
                sum += v;
                square += v * v;
                count++;
            }
        }

        double mean = sum / Math.Max(1, count);
        return (square / Math.Max(1, count)) - (mean * mean);
    }
}
