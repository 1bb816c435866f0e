gusing System;

namespace Shop.Orders
{
    /// <summary>An order.</summary>
    public class Order
    {
        public int Id { get; set; }

        public Order(int id)
        {
            Id = id;
        }

        /// <summary>Total price.</summary>
        public decimal Total()
        {
            return 0m;
        }
    }

    public interface IRepo
    {
        Order Find(int id);
    }

    public enum State { Open, Closed }
}
