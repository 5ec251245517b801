using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>
/// Graph training as a <see cref="TrainingRun"/> task: step k of epoch e trains on batch k of
/// <see cref="GraphBatchOrder.Epoch"/>(seed, e), padded per batch; the evaluator writes the current parameters into the
/// model and measures MAE (regression) or accuracy (classification) on the validation split.
/// </summary>
internal sealed class GraphTrainingTask(
    GraphModelDefinition definition,
    GraphSplit train,
    GraphSplit? valid,
    GraphTrainerOptions options,
    ParameterStore backbone,
    SpeParameters? spe,
    string[] names,
    int stepsPerEpoch,
    SessionSettings settings) : ITrainingTask
{
    private readonly int[] _nodeCounts = [.. train.Graphs.Select(g => g.NodeCount)];
    private int _epoch = -1;
    private int[][] _order = [];

    public StepOutcome TrainStep(Trainer trainer, long step)
    {
        int epoch = (int)(step / stepsPerEpoch) + 1;
        if (epoch != _epoch)
        {
            _order = GraphBatchOrder.Epoch(_nodeCounts, options.BatchSize, options.Batching, options.Seed, epoch);
            if (_order.Length != stepsPerEpoch)
            {
                throw new InvalidOperationException($"Epoch {epoch} has {_order.Length} batches, the schedule expects {stepsPerEpoch}.");
            }

            _epoch = epoch;
        }

        int[] idx = _order[step % stepsPerEpoch];
        using GraphBatch batch = GraphBatch.Create([.. idx.Select(i => train.Graphs[i])], [.. idx.Select(i => train.Encodings[i])], definition, withTargets: true);
        return new StepOutcome(trainer.TrainStep(batch.Tensors), idx.Length, double.NaN);
    }

    public double? Evaluate(Trainer trainer, int epoch)
    {
        if (valid is null || valid.Graphs.Count == 0)
        {
            return null;
        }

        GraphTrainer.Write([.. names.Select(trainer.GetState<float>)], names, backbone, spe);
        return GraphTrainer.Evaluate(new GraphModel(definition, backbone, spe), valid, settings);
    }
}
