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
    private readonly List<OrtValue> _parameters = [];
    private readonly string[] _outputNames;
    private readonly string[] _parameterNames;

    public GradientSession(OnnxModel lossModel, IReadOnlyList<TrainableTensor> trainables, SessionSettings settings)
    {
        GradientGraph graph = GradientBuilder.Build(lossModel, ClassifierLossGraph.LossOutput, trainables.Select(t => t.Name).ToArray());
        graph.Model.Graph.Outputs.Add(new ValueInfo(ClassifierGraph.LogitsOutput, null));
        _session = OrtSessions.Create(graph.Model, settings);
        try
        {
            foreach (TrainableTensor t in trainables)
            {
                _parameters.Add(OrtValue.CreateTensorValueFromMemory(t.Values, t.Dims));
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        _parameterNames = trainables.Select(t => t.Name).ToArray();
        _outputNames = [ClassifierLossGraph.LossOutput, ClassifierGraph.LogitsOutput, .. trainables.Select(t => graph.Gradients[t.Name])];
    }

    /// <summary>Runs one batch; <paramref name="onGradients"/> sees the loss, logits and gradients while they are alive.</summary>
    public void Run(LabeledBatch batch, Action<float, ReadOnlySpan<float>, IReadOnlyList<OrtValue>> onGradients)
    {
        Dictionary<string, OrtValue> batchValues = batch.CreateOrtValues();
        try
        {
            var inputs = new Dictionary<string, OrtValue>(batchValues, StringComparer.Ordinal);
            for (int k = 0; k < _parameterNames.Length; k++)
            {
                inputs[_parameterNames[k]] = _parameters[k];
            }

            RemoveUnused(inputs);
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.RunValues(inputs, _outputNames);
            float loss = outputs[0].GetTensorDataAsSpan<float>()[0];
            onGradients(loss, outputs[1].GetTensorDataAsSpan<float>(), outputs.Skip(2).ToArray());
        }
        finally
        {
            foreach (OrtValue v in batchValues.Values)
            {
                v.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (OrtValue v in _parameters)
        {
            v.Dispose();
        }

        _session.Dispose();
    }

    // Some encoders (or the tiny test encoder) do not consume token_type_ids.
    private void RemoveUnused(Dictionary<string, OrtValue> inputs)
    {
        IReadOnlyList<string> names = _session.Session.InputNames;
        foreach (string key in inputs.Keys.ToArray())
        {
            if (!names.Contains(key))
            {
                inputs.Remove(key);
            }
        }
    }
}
