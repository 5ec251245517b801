using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// One ORT session over the reverse-mode gradient graph of the classifier loss (<see cref="GradientBuilder"/>): each
/// <see cref="Run"/> feeds a labelled batch and the current trainable values (pinned once, read in place) and returns
/// the loss, the logits and one gradient per trainable. Owns the session and the pinned parameter tensors.
/// </summary>
internal sealed class GradientSession : IDisposable
{
    private readonly OnnxSession _session;
    private readonly TensorBatch _parameters = new();
    private readonly string[] _outputNames;

    public GradientSession(OnnxModel lossModel, IReadOnlyList<TrainableTensor> trainables, SessionSettings settings)
    {
        GradientGraph graph = GradientBuilder.Build(lossModel, ClassifierLossGraph.LossOutput, trainables.Select(t => t.Name).ToArray());
        graph.Model.Graph.Outputs.Add(new ValueInfo(ClassifierGraph.LogitsOutput, null));
        _session = OrtSessions.Create(graph.Model, settings);
        try
        {
            foreach (TrainableTensor t in trainables)
            {
                _parameters.Add(t.Name, t.Values, t.Dims);
            }

            _parameters.GetValues(_parameters.Names); // pinned once, here
        }
        catch
        {
            Dispose();
            throw;
        }

        _outputNames = [ClassifierLossGraph.LossOutput, ClassifierGraph.LogitsOutput, .. trainables.Select(t => graph.Gradients[t.Name])];
    }

    /// <summary>Runs one batch; <paramref name="onGradients"/> sees the loss, logits and gradients while they are alive.</summary>
    public void Run(LabeledBatch batch, GradientsCallback onGradients)
    {
        // Some encoders (or the tiny test encoder) do not consume token_type_ids.
        IReadOnlyList<string> declared = _session.Session.InputNames;
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        foreach (TensorBatch tensors in (ReadOnlySpan<TensorBatch>)[batch.Tensors, _parameters])
        {
            foreach (string name in tensors.Names.Where(declared.Contains))
            {
                inputs[name] = tensors.GetValue(name);
            }
        }

        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.RunValues(inputs, _outputNames);
        float loss = outputs[0].GetTensorDataAsSpan<float>()[0];
        onGradients(loss, outputs[1].GetTensorDataAsSpan<float>(), outputs.Skip(2).ToArray());
    }

    public void Dispose()
    {
        _parameters.Dispose();
        _session.Dispose();
    }
}

/// <summary>What <see cref="GradientSession.Run"/> hands over: the loss, the logits [batch, classes] and one gradient per trainable.</summary>
/// <remarks>A delegate of its own because net8.0's <c>Action</c> cannot take a span argument.</remarks>
internal delegate void GradientsCallback(float loss, ReadOnlySpan<float> logits, IReadOnlyList<OrtValue> gradients);
