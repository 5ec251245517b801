using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public class TensorBatchTests
{
    [Fact]
    public void Add_KeepsArraysShapesAndOrder()
    {
        long[] ids = [1, 2, 3, 4, 5, 6];
        using TensorBatch batch = new TensorBatch().Add("ids", ids, 2, 3).Add("x", new float[4], 2, 2).Add("flag", new bool[2], 2).Add("n", new int[1], 1);

        Assert.Equal(["ids", "x", "flag", "n"], batch.Names);
        Assert.Same(ids, batch.Get<long>("ids"));
        Assert.Equal([2L, 3], batch.ShapeOf("ids"));
        Assert.Equal(2, batch.Rows);
        Assert.True(batch.TryGet("x", out float[]? x));
        Assert.Equal(4, x.Length);
        Assert.False(batch.TryGet("x", out long[]? _));
        Assert.False(batch.Contains("missing"));
    }

    [Fact]
    public void Add_ThrowsForShapeMismatchDuplicateNameAndUnsupportedType()
    {
        using var batch = new TensorBatch();
        Assert.Throws<ArgumentException>(() => batch.Add("x", new float[5], 2, 2));
        batch.Add("x", new float[4], 2, 2);
        Assert.Throws<ArgumentException>(() => batch.Add("x", new float[4], 4));
        Assert.Throws<NotSupportedException>(() => batch.Add("b", new byte[4], 4));
        Assert.Throws<InvalidCastException>(() => batch.Get<long>("x"));
        var e = Assert.Throws<KeyNotFoundException>(() => batch.ShapeOf("y"));
        Assert.Contains("'y'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetValue_IsCreatedOnceAndReadsTheArrayInPlace()
    {
        float[] data = [1f, 2f];
        using TensorBatch batch = new TensorBatch().Add("x", data, 2);
        OrtValue v = batch.GetValue("x");

        Assert.Same(v, batch.GetValue("x"));
        data[1] = 7f;
        Assert.Equal([1f, 7f], v.GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void Dispose_ReleasesValuesAndKeepsArrays()
    {
        var batch = new TensorBatch().Add("x", new float[] { 3f }, 1);
        _ = batch.GetValue("x");
        batch.Dispose();
        batch.Dispose();

        Assert.Equal([3f], batch.Get<float>("x"));
        Assert.Throws<ObjectDisposedException>(() => batch.GetValue("x"));
    }

    [Fact]
    public void Run_FeedsTheDeclaredInputsOnly()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 2));
        using TensorBatch batch = new TensorBatch().Add("x", new float[] { 1f, -1f, 0.5f, 2f }, 1, 4).Add("unused", new long[3], 3);

        IReadOnlyDictionary<string, (float[] Data, long[] Shape)> y = session.RunFloat(batch);
        using IDisposableReadOnlyCollection<OrtValue> values = session.Run(batch, ["y"]);

        Assert.Equal([1L, 3L], y["y"].Shape);
        Assert.Equal(y["y"].Data, values[0].GetTensorDataAsSpan<float>().ToArray());
    }
}
