use burn_backend::Scalar;

use alloc::vec::Vec;

use crate::alloc::borrow::ToOwned;
use crate::check::unwrap_dim_index;
use crate::kind::Numeric;

use crate::{
    AsIndex, Bool, Distribution, ElementConversion, Int, Shape, Tensor, check, check::TensorCheck,
};
use crate::{Device, IndexingUpdateOp, TensorCreationOptions};

impl<const D: usize, K> Tensor<D, K>
where
    K: Numeric,
{
    /// Applies element wise addition operation.
    ///
    /// `y = x2 + x1`
    ///
    /// # Arguments
    ///
    /// * `other` - The tensor to add.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor1 = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor2 = Tensor::<2>::from_data([[2.0, 3.0, 4.0], [1.0, 2.0, 3.0]], &device);
    /// let tensor = tensor1 + tensor2;
    /// println!("{tensor}");
    /// // [[3.0, 1.0, 7.0], [6.0, 11.0, 9.0]]
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, other: Self) -> Self {
        check!(TensorCheck::binary_ops_ew("Add", &self, &other));
        Self::new(K::add(self.primitive, other.primitive))
    }

    /// Applies element wise addition operation with a scalar.
    ///
    /// `y = x + s`
    ///
    /// # Arguments
    ///
    /// * `other` - The scalar to add, element wise.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let scalar = 2.0;
    /// let tensor = tensor + scalar;
    /// println!("{tensor}");
    /// // [[3.0, 0.0, 5.0], [7.0, 11.0, 8.0]]
    /// ```
    pub fn add_scalar<E: ElementConversion>(self, other: E) -> Self {
        let other = Scalar::new(other, &self.dtype());
        Self::new(K::add_scalar(self.primitive, other))
    }

    /// Applies element wise subtraction operation.
    ///
    /// `y = x2 - x1`
    ///
    /// # Arguments
    ///
    /// * `other` - The tensor to subtract.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor1 = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor2 = Tensor::<2>::from_data([[2.0, 3.0, 4.0], [1.0, 2.0, 3.0]], &device);
    /// let tensor = tensor1 - tensor2;
    /// println!("{tensor}");
    /// // [[-1.0, -5.0, -1.0], [4.0, 7.0, 3.0]]
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, other: Self) -> Self {
        check!(TensorCheck::binary_ops_ew("Sub", &self, &other));
        Self::new(K::sub(self.primitive, other.primitive))
    }

    /// Applies element wise subtraction operation with a scalar.
    ///
    /// `y = x - s`
    ///
    /// # Arguments
    ///
    /// * `other` - The scalar to subtract, element wise.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let scalar = 2.0;
    /// let tensor = tensor - scalar;
    /// println!("{tensor}");
    /// // [[-1.0, -4.0, 1.0], [3.0, 7.0, 4.0]]
    /// ```
    pub fn sub_scalar<E: ElementConversion>(self, other: E) -> Self {
        let other = Scalar::new(other, &self.dtype());
        Self::new(K::sub_scalar(self.primitive, other))
    }

    /// Applies element wise division operation.
    ///
    /// `y = x2 / x1`
    ///
    /// # Arguments
    ///
    /// * `other` - The tensor to divide.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor1 = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor2 = Tensor::<2>::from_data([[2.0, 3.0, 4.0], [1.0, 2.0, 3.0]], &device);
    /// let tensor = tensor1 / tensor2;
    /// println!("{tensor}");
    /// // [[0.5, -0.6666667, 0.75], [5.0, 4.5, 2.0]]
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn div(self, other: Self) -> Self {
        check!(TensorCheck::binary_ops_ew("Div", &self, &other));
        Self::new(K::div(self.primitive, other.primitive))
    }

    /// Applies element wise division operation with a scalar.
    ///
    /// `y = x / s`
    ///
    /// # Arguments
    ///
    /// * `other` - The scalar to divide, element wise.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let scalar = 2.0;
    /// let tensor = tensor / scalar;
    /// println!("{tensor}");
    /// // [[0.5, -1.0, 1.5], [2.5, 4.5, 3.0]]
    /// ```
    pub fn div_scalar<E: ElementConversion>(self, other: E) -> Self {
        let other = Scalar::new(other, &self.dtype());
        Self::new(K::div_scalar(self.primitive, other))
    }

    /// Applies the remainder operation element-wise with another tensor.
    ///
    /// For integer tensors, this is floor modulo: a nonzero result has the same
    /// sign as the divisor and a magnitude less than the divisor's magnitude.
    ///
    /// # Integer portability
    ///
    /// Portable behavior requires a nonzero divisor and excludes signed `MIN % -1`,
    /// where `MIN` is the minimum value of the operand dtype. For these excluded
    /// inputs, no particular result or error behavior is guaranteed across backends.
    pub fn remainder(self, other: Self) -> Self {
        check!(TensorCheck::binary_ops_ew("Remainder", &self, &other));
        Self::new(K::remainder(self.primitive, other.primitive))
    }

    /// Applies element wise the remainder operation with a scalar.
    ///
    /// `y = x % s`
    ///
    /// For integer tensors, this is floor modulo: a nonzero result has the same
    /// sign as the divisor and a magnitude less than the divisor's magnitude.
    ///
    /// # Integer portability
    ///
    /// Portable behavior requires a nonzero divisor and excludes signed `MIN % -1`,
    /// where `MIN` is the minimum value of the operand dtype. For these excluded
    /// inputs, no particular result or error behavior is guaranteed across backends.
    ///
    /// # Arguments
    ///
    /// * `other` - The scalar to divide, element wise.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor1 = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let scalar = 2.0;
    /// let tensor = tensor1 % scalar;
    /// println!("{tensor}");
    /// // [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    /// ```
    pub fn remainder_scalar<E: ElementConversion>(self, other: E) -> Self {
        let other = Scalar::new(other, &self.dtype());
        Self::new(K::remainder_scalar(self.primitive, other))
    }

    /// Applies element wise multiplication operation.
    ///
    /// `y = x2 * x1`
    ///
    /// # Arguments
    ///
    /// * `other` - The tensor to multiply.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor1 = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor2 = Tensor::<2>::from_data([[2.0, 3.0, 4.0], [1.0, 2.0, 3.0]], &device);
    /// let tensor = tensor1 * tensor2;
    /// println!("{tensor}");
    /// // [[2.0, -6.0, 12.0], [5.0, 18.0, 18.0]]
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn mul(self, other: Self) -> Self {
        check!(TensorCheck::binary_ops_ew("Mul", &self, &other));
        Self::new(K::mul(self.primitive, other.primitive))
    }

    /// Applies element wise multiplication operation with a scalar.
    ///
    /// `y = x * s`
    ///
    /// # Arguments
    ///
    /// * `other` - The scalar to multiply, element wise.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let scalar = 2.0;
    /// let tensor = tensor * scalar;
    /// println!("{tensor}");
    /// // [[2.0, -4.0, 6.0], [10.0, 18.0, 12.0]]
    /// ```
    pub fn mul_scalar<E: ElementConversion>(self, other: E) -> Self {
        let other = Scalar::new(other, &self.dtype());
        Self::new(K::mul_scalar(self.primitive, other))
    }

    /// Switch sign of each element in the tensor.
    ///
    /// `y = -x`
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor = -tensor;
    /// println!("{tensor}");
    /// // [[-1.0, 2.0, -3.0], [-5.0, -9.0, -6.0]]
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn neg(self) -> Self {
        Self::new(K::neg(self.primitive))
    }

    /// Returns the signs of the elements of the input tensor.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor = tensor.sign();
    /// println!("{tensor}");
    /// // [[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]]
    /// ```
    pub fn sign(self) -> Self {
        Self::new(K::sign(self.primitive))
    }

    /// Aggregate all elements in the tensor with the mean operation.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor = tensor.mean();
    /// println!("{tensor}");
    /// // [3.6666667]
    /// ```
    pub fn mean(self) -> Tensor<1, K> {
        Tensor::new(K::mean(self.primitive))
    }

    /// Aggregate all elements in the tensor with the sum operation.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor = tensor.sum();
    /// println!("{tensor}");
    /// // [22.0]
    /// ```
    pub fn sum(self) -> Tensor<1, K> {
        Tensor::new(K::sum(self.primitive))
    }

    /// Aggregate all elements along the given *dimension* or *axis*
    /// in the tensor with the mean operation.
    ///
    /// # Arguments
    ///
    /// * `dim` - The dimension or axis along which to aggregate the elements;
    ///   supports negative indexing.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let mean = tensor.clone().mean_dim(0);
    /// println!("{mean}");
    /// // [[3.0, 3.5, 4.5]]
    /// let mean = tensor.mean_dim(1);
    /// println!("{mean}");
    /// // [[0.6666667], [6.6666665]]
    /// ```
    pub fn mean_dim<I: AsIndex>(self, dim: I) -> Self {
        let dim = unwrap_dim_index(dim.try_dim_index(D), "Mean Dim");
        Self::new(K::mean_dim(self.primitive, dim))
    }

    /// Aggregate all elements along the given *axes*
    /// in the tensor with the mean operation.
    ///
    /// # Arguments
    ///
    /// * `dims` - the dimensions to aggregate; supports negative indexing.
    ///
    /// # Returns
    ///
    /// The returned tensor will have the same rank,
    /// but the aggregated dimensions will have size 1.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[2.0, 4.0], [6.0, -4.0]], &device);
    /// let tensor = tensor.clone().mean_dims(&[0, 1]);
    /// println!("{tensor}");
    /// // [[2.0]]
    /// ```
    pub fn mean_dims<I: AsIndex>(self, dims: &[I]) -> Self {
        dims.iter().fold(self, |tensor, &dim| tensor.mean_dim(dim))
    }

    /// Aggregate all elements along the given *dimension* or *axis*
    /// in the tensor with the sum operation.
    ///
    /// # Arguments
    ///
    /// * `dim` - The dimension or axis along which to aggregate the elements;
    ///   supports negative indexing.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let sum = tensor.clone().sum_dim(0);
    /// println!("{sum}");
    /// // [[6.0, 7.0, 9.0]]
    /// let sum = tensor.sum_dim(1);
    /// println!("{sum}");
    /// // [[2.0], [20.0]]
    /// ```
    pub fn sum_dim<I: AsIndex>(self, dim: I) -> Self {
        let dim = unwrap_dim_index(dim.try_dim_index(D), "Sum Dim");
        Self::new(K::sum_dim(self.primitive, dim))
    }

    /// Aggregate all elements along the given *axes*
    /// in the tensor with the sum operation.
    ///
    /// # Arguments
    ///
    /// * `dims` - the dimensions to aggregate; supports negative indexing.
    ///
    /// # Returns
    ///
    /// The returned tensor will have the same rank,
    /// but the aggregated dimensions will have size 1.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor = tensor.clone().sum_dims(&[0, 1]);
    /// println!("{tensor}");
    /// // [[27]]
    /// ```
    pub fn sum_dims<I: AsIndex>(self, dims: &[I]) -> Self {
        let dims: Vec<usize> = dims
            .iter()
            .map(|&dim| unwrap_dim_index(dim.try_dim_index(D), "Sum Dims"))
            .collect();
        Self::new(K::sum_dims(self.primitive, &dims))
    }

    /// Aggregate and squeeze along the given dimensions.
    ///
    /// This is equivalent to ``tensor.sum_dims(dims).squeeze_dims(dims)``
    ///
    /// # Arguments
    ///
    /// * `dims` - the dimensions to aggregate; supports negative indexing.
    ///
    /// # Returns
    ///
    /// The returned tensor will have the same rank,
    /// but the aggregated dimensions will have size 1.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<3>::from_data([
    ///     [[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]],
    ///     [[9.0, 2.0, 5.0], [5.0, 7.0, 7.0]],
    /// ], &device);
    /// let tensor = tensor.clone().sum_dims_squeeze::<1, _>(&[0, 1]);
    /// println!("{tensor}");
    /// // [20.0, 16.0, 21.0]
    /// ```
    pub fn sum_dims_squeeze<const D2: usize, I: AsIndex>(self, dims: &[I]) -> Tensor<D2, K> {
        self.sum_dims(dims).squeeze_dims::<D2>(dims)
    }

    /// Aggregate all elements in the tensor with the product operation.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor = tensor.prod();
    /// println!("{tensor}");
    /// // [-1620.0]
    /// ```
    pub fn prod(self) -> Tensor<1, K> {
        Tensor::new(K::prod(self.primitive))
    }

    /// Aggregate all elements along the given *dimension* or *axis*
    /// in the tensor with the product operation.
    ///
    /// # Arguments
    ///
    /// * `dim` - The dimension or axis along which to aggregate the elements,
    ///   supports negative indexing.
    ///
    /// # Returns
    ///
    /// The returned tensor will have the same rank,
    /// but the aggregated dimension will have size 1.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let prod = tensor.clone().prod_dim(0);
    /// println!("{prod}");
    /// // [[5.0, -18.0, 18.0]]
    /// let prod = tensor.prod_dim(1);
    /// println!("{prod}");
    /// // [[-6.0], [270.0]]
    /// ```
    pub fn prod_dim<I: AsIndex>(self, dim: I) -> Self {
        let dim = unwrap_dim_index(dim.try_dim_index(D), "Prod Dim");
        Self::new(K::prod_dim(self.primitive, dim))
    }

    /// Aggregate all elements along the given *axes*
    /// in the tensor with the prod operation.
    ///
    /// # Arguments
    ///
    /// * `dims` - the dimensions to aggregate, supports negative indexing.
    ///
    /// # Returns
    ///
    /// The returned tensor will have the same rank,
    /// but the aggregated dimensions will have size 1.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [5.0, 9.0, 6.0]], &device);
    /// let tensor = tensor.clone().sum_dims(&[0, 1]);
    /// println!("{tensor}");
    /// // [[-1620.0]]
    /// ```
    pub fn prod_dims<I: AsIndex>(self, dims: &[I]) -> Self {
        dims.iter().fold(self, |tensor, &dim| tensor.prod_dim(dim))
    }

    /// Computes the cumulative sum of elements along the given *dimension* or *axis*.
    ///
    /// # Arguments
    ///
    /// * `dim` - The dimension or axis along which to compute the cumulative sum.
    ///   Negative dimensions are supported and count from the end.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], &device);
    /// let result = tensor.clone().cumsum(0);
    /// println!("{result}");
    /// // [[1.0, 2.0, 3.0], [5.0, 7.0, 9.0]]
    /// let result = tensor.cumsum(1);
    /// println!("{result}");
    /// // [[1.0, 3.0, 6.0], [4.0, 9.0, 15.0]]
    /// ```
    pub fn cumsum<I: AsIndex>(self, dim: I) -> Self {
        let dim = unwrap_dim_index(dim.try_dim_index(D), "Cumsum");
        Self::new(K::cumsum(self.primitive, dim))
    }

    /// Computes the cumulative product of elements along the given *dimension* or *axis*.
    ///
    /// # Arguments
    ///
    /// * `dim` - The dimension or axis along which to compute the cumulative product.
    ///   Negative dimensions are supported and count from the end.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], &device);
    /// let result = tensor.clone().cumprod(0);
    /// println!("{result}");
    /// // [[1.0, 2.0, 3.0], [4.0, 10.0, 18.0]]
    /// let result = tensor.cumprod(1);
    /// println!("{result}");
    /// // [[1.0, 2.0, 6.0], [4.0, 20.0, 120.0]]
    /// ```
    pub fn cumprod<I: AsIndex>(self, dim: I) -> Self {
        let dim = unwrap_dim_index(dim.try_dim_index(D), "Cumprod");
        Self::new(K::cumprod(self.primitive, dim))
    }

    /// Apply element wise absolute value operation.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Int, Tensor};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2, Int>::from_ints([[1, -2, 3], [4, -5, 6], [7, -8, 9]], &device);
    /// let tensor = tensor.abs();
    /// println!("{tensor}");
    /// // [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    /// ```
    ///
    /// # Notes
    ///
    /// For signed integer dtypes, this operation uses two's-complement wraparound semantics, similar to
    /// `x.wrapping_abs()`. For example, `abs(i64::MIN) == i64::MIN`.
    pub fn abs(self) -> Self {
        Self::new(K::abs(self.primitive))
    }

    /// Returns the upper triangular part of a matrix (2-D tensor) or batch of matrices input,
    /// the other elements of the result tensor out are set to 0.
    ///
    /// See also [`triu_mask`](Tensor::triu_mask).
    ///
    /// # Arguments
    ///
    /// * `diagonal` - The offset from the diagonal, where 0 means the diagonal, and positive values shift
    ///   towards the upper triangle.
    ///
    /// # Example
    /// ```rust
    /// use burn_tensor::{Int, Tensor};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2, Int>::from_ints(
    ///     [
    ///       [1, 2, 3],
    ///       [4, 5, 6],
    ///       [7, 8, 9]
    ///     ],
    ///     &device
    /// );
    /// let tensor = tensor.triu(1);
    /// println!("{tensor}");
    /// // [
    /// //   [0, 2, 3],
    /// //   [0, 0, 6],
    /// //   [0, 0, 0]
    /// // ]
    /// ```
    pub fn triu(self, diagonal: i64) -> Self {
        check!(TensorCheck::tri::<{ D }>());

        // last two dimensions
        let shape = &self.shape()[D - 2..].to_owned();

        let mask = Tensor::<2, Bool>::triu_mask(shape, diagonal, &self.device()).unsqueeze();
        self.mask_fill(mask, 0)
    }

    /// Returns the lower triangular part of a matrix (2-D tensor) or batch of matrices input,
    /// the other elements of the result tensor out are set to 0.
    ///
    /// See also [`tril_mask`](Tensor::tril_mask).
    ///
    /// # Arguments
    ///
    /// * `diagonal` - The offset from the diagonal, where 0 means the diagonal, and positive values shift
    ///   towards the upper triangle.
    ///
    /// # Example
    /// ```rust
    /// use burn_tensor::{Int, Tensor};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2, Int>::from_ints(
    ///     [
    ///       [1, 2, 3],
    ///       [4, 5, 6],
    ///       [7, 8, 9]
    ///     ],
    ///     &device
    /// );
    ///
    /// let tensor = tensor.tril(-1);
    /// println!("{tensor}");
    /// // [
    /// //   [0, 0, 0],
    /// //   [4, 0, 0],
    /// //   [7, 8, 0]
    /// // ]
    /// ```
    pub fn tril(self, diagonal: i64) -> Self {
        check!(TensorCheck::tri::<{ D }>());

        // last two dimensions
        let shape = &self.shape()[D - 2..].to_owned();
        let mask = Tensor::<2, Bool>::tril_mask(shape, diagonal, &self.device()).unsqueeze();

        self.mask_fill(mask, 0)
    }

    /// Applies element wise power operation with a integer Tensor
    ///
    /// # Arguments
    ///
    /// * `other` - The tensor to apply the power operation with.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape, Int};
    ///
    /// let device = Default::default();
    /// let tensor1 = Tensor::<2, Int>::from_ints([[1, -2, 3], [5, 9, 6]], &device);
    /// let tensor2 = Tensor::<2, Int>::from_ints([[2, 3, 4], [1, 2, 3]], &device);
    /// let tensor = tensor1.powi(tensor2);
    /// println!("{tensor}");
    /// // [[1, -8, 81], [5, 81, 216]]
    /// ```
    pub fn powi(self, other: Self) -> Self {
        check!(TensorCheck::binary_ops_ew("Powi", &self, &other));
        Self::new(K::powi(self.primitive, other.primitive))
    }

    /// Applies element wise power operation with a integer scalar
    ///
    /// # Arguments
    ///
    /// * `other` - The scalar to apply the power operation with.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape, Int};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2, Int>::from_ints([[1, -2, 3], [5, 9, 6]], &device);
    /// let tensor = tensor.powi_scalar(2);
    /// println!("{tensor}");
    ///
    /// // [[1, 4, 9], [25, 81, 36]]
    /// let tensor = Tensor::<2>::from_data([[1.5, -2., 3.], [5., 9., 6.]], &device);
    /// let tensor = tensor.powi_scalar(2);
    /// println!("{tensor}");
    /// // [[2.25, 4., 9.], [25., 81., 36.]]
    /// ```
    pub fn powi_scalar<E: ElementConversion>(self, other: E) -> Self {
        let other = Scalar::new(other, &self.dtype());
        Self::new(K::powi_scalar(self.primitive, other))
    }

    /// Converts the tensor to a boolean tensor by checking if the elements are non-zero.
    ///
    /// # Returns
    ///
    /// A boolean tensor with the same shape as the input tensor.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor = Tensor::<2>::from_data([[1.0, -2.0, 3.0], [0.0, 9.0, 6.0]], &device);
    /// let tensor = tensor.bool();
    /// println!("{tensor}");
    /// // [
    /// //   [true, true, true],
    /// //   [false, true, true]
    /// // ]
    /// ```
    pub fn bool(self) -> Tensor<D, Bool> {
        self.not_equal_scalar(0)
    }

    /// Create a random tensor of the given shape on the given device where each element is
    /// sampled from the given distribution.
    ///
    /// See also [`random_like`](Tensor::random_like).
    ///
    /// # Arguments
    ///
    /// * `shape` - The shape of the tensor.
    /// * `distribution` - The distribution to sample from.
    /// * `device` - The device to create the tensor on.
    ///
    /// # Returns
    ///
    /// A new tensor with the given shape and elements sampled from the given distribution.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape, Distribution};
    ///
    /// let device = Default::default();
    /// let distribution = Distribution::Uniform(0.0, 1.0); // Any random value between 0.0 and 1.0
    /// let tensor = Tensor::<2>::random(Shape::new([2, 3]), distribution, &device);
    /// println!("{tensor}");
    /// // [
    /// //   [0.08347523, 0.70498955, 0.60332155],
    /// //   [0.08173251, 0.18028641, 0.97942924]
    /// // ]
    /// ```
    pub fn random<S: Into<Shape>>(
        shape: S,
        distribution: Distribution,
        options: impl Into<TensorCreationOptions>,
    ) -> Self {
        // Use the given dtype when provided, otherwise default device dtype
        let opt = options.into();
        let dtype = opt.resolve_dtype::<K>();
        Self::new(K::random(shape.into(), distribution, &opt.device, dtype))
    }

    /// Applies the matrix multiplication operation.
    ///
    /// ```math
    /// C = AB
    /// ```
    ///
    /// Shapes of the form `[..., B, 1, K] @ [..., 1, K, N]` are reinterpreted as
    /// `[..., 1, B, K] @ [..., 1, K, N]`, turning a batched vec-mat into a general
    /// matmul, which is often faster.
    pub fn matmul(self, other: Self) -> Self {
        check!(TensorCheck::matmul(&self, &other));

        if D >= 3 {
            let batch_index = D - 3;
            let vector_index = D - 2;
            let lhs_dims = &self.shape()[batch_index..D];
            let rhs_dims = &other.shape()[batch_index..D];

            if let ([_, 1, k1], [1, k2, _]) = (lhs_dims, rhs_dims)
                && k1 == k2
            {
                return Tensor::new(K::matmul(
                    self.swap_dims(batch_index, vector_index).primitive,
                    other.primitive,
                ))
                .swap_dims(batch_index, vector_index);
            }
        }

        Tensor::new(K::matmul(self.primitive, other.primitive))
    }
}

impl<K> Tensor<1, K>
where
    K: Numeric,
{
    /// Calculates the dot product with another tensor.
    ///
    /// `y = x2.dot(x1)`
    ///
    /// # Arguments
    ///
    /// * `other` - The tensor to compute dot product with.
    ///
    /// # Notes
    ///
    /// Both tensors must have the same number of elements.
    ///
    /// # Example
    ///
    /// ```rust
    /// use burn_tensor::{Tensor, Shape};
    ///
    /// let device = Default::default();
    /// let tensor1 = Tensor::<1>::from_data([1.0, 2.0], &device);
    /// let tensor2 = Tensor::<1>::from_data([-2.0, 3.0], &device);
    /// let tensor = tensor1.dot(tensor2);
    /// println!("{tensor}");
    /// // [4]
    /// ```
    pub fn dot(self, other: Self) -> Self {
        self.mul(other).sum()
    }
}

impl<K> Tensor<2, K>
where
    K: Numeric,
{
    /// Creates a new 2D tensor with ones on the diagonal and zeros elsewhere.
    ///
    /// # Arguments
    ///
    /// * `size` - The size of the square matrix.
    pub fn eye(size: usize, device: &Device) -> Self {
        let indices = Tensor::<1, Int>::arange(0..size as i64, device).unsqueeze::<2>();
        let ones = Self::ones([1, size], device);
        let zeros = Self::zeros([size, size], device);

        zeros.scatter(0, indices, ones, IndexingUpdateOp::Add)
    }
}

// Tensor + tensor
impl<const D: usize, K: Numeric> core::ops::Add<Self> for Tensor<D, K> {
    type Output = Self;

    fn add(self, rhs: Self) -> Self::Output {
        Self::add(self, rhs)
    }
}

// Tensor + scalar
impl<E: ElementConversion, const D: usize, K: Numeric> core::ops::Add<E> for Tensor<D, K> {
    type Output = Self;

    fn add(self, other: E) -> Self::Output {
        Tensor::add_scalar(self, other)
    }
}

// Scalar + tensor
macro_rules! impl_tensor_scalar_add {
    ($($t:ty),*) => {
        $(
            impl<const D: usize, K: Numeric> core::ops::Add<Tensor<D, K>> for $t
            {
                type Output = Tensor<D, K>;

                fn add(self, tensor: Tensor<D, K>) -> Self::Output {
                    Tensor::add_scalar(tensor, self)
                }
            }
        )*
    }
}
impl_tensor_scalar_add!(f32, f64, i32, i64, u32, u64);

// Tensor - tensor
impl<const D: usize, K: Numeric> core::ops::Sub<Self> for Tensor<D, K> {
    type Output = Self;

    fn sub(self, rhs: Self) -> Self::Output {
        Tensor::sub(self, rhs)
    }
}

// Tensor - scalar
impl<E: ElementConversion, const D: usize, K: Numeric> core::ops::Sub<E> for Tensor<D, K> {
    type Output = Self;

    fn sub(self, other: E) -> Self::Output {
        Tensor::sub_scalar(self, other)
    }
}

// Scalar - tensor
macro_rules! impl_tensor_scalar_sub {
    ($($t:ty),*) => {
        $(
            impl<const D: usize, K: Numeric> core::ops::Sub<Tensor<D, K>> for $t
            {
                type Output = Tensor<D, K>;

                fn sub(self, tensor: Tensor<D, K>) -> Self::Output {
                    Tensor::add_scalar(Tensor::neg(tensor), self)
                }
            }
        )*
    }
}
impl_tensor_scalar_sub!(f32, f64, i32, i64, u32, u64);

// Tensor / tensor
impl<const D: usize, K: Numeric> core::ops::Div<Self> for Tensor<D, K> {
    type Output = Self;

    fn div(self, rhs: Self) -> Self::Output {
        Tensor::div(self, rhs)
    }
}

// Tensor / scalar
impl<E: ElementConversion, const D: usize, K: Numeric> core::ops::Div<E> for Tensor<D, K> {
    type Output = Self;

    fn div(self, other: E) -> Self::Output {
        Tensor::div_scalar(self, other)
    }
}

// Scalar / tensor (float only)
macro_rules! impl_tensor_scalar_div {
    ($($t:ty),*) => {
        $(
            impl<const D: usize> core::ops::Div<Tensor<D>> for $t
            {
                type Output = Tensor<D>;

                fn div(self, tensor: Tensor<D>) -> Self::Output {
                    tensor.recip().mul_scalar(self)
                }
            }
        )*
    }
}

impl_tensor_scalar_div!(f32, f64);

// Tensor % tensor.
impl<const D: usize, K: Numeric> core::ops::Rem<Self> for Tensor<D, K> {
    type Output = Self;

    fn rem(self, rhs: Self) -> Self::Output {
        Tensor::remainder(self, rhs)
    }
}

// Tensor % scalar.
impl<E: ElementConversion, const D: usize, K: Numeric> core::ops::Rem<E> for Tensor<D, K> {
    type Output = Self;

    fn rem(self, other: E) -> Self::Output {
        Tensor::remainder_scalar(self, other)
    }
}

// Tensor * tensor.
impl<const D: usize, K: Numeric> core::ops::Mul<Self> for Tensor<D, K> {
    type Output = Self;

    fn mul(self, rhs: Self) -> Self::Output {
        Tensor::mul(self, rhs)
    }
}

// Tensor * scalar.
impl<E: ElementConversion, const D: usize, K: Numeric> core::ops::Mul<E> for Tensor<D, K> {
    type Output = Self;

    fn mul(self, other: E) -> Self::Output {
        Tensor::mul_scalar(self, other)
    }
}

macro_rules! impl_tensor_scalar_mul {
    ($($t:ty),*) => {
        $(
            impl<const D: usize, K: Numeric> core::ops::Mul<Tensor<D, K>> for $t
            {
                type Output = Tensor<D, K>;

                fn mul(self, other: Tensor<D, K>) -> Self::Output {
                    Tensor::mul_scalar(other, self)
                }
            }
        )*
    }
}

impl_tensor_scalar_mul!(f32, f64, i32, i64, u32, u64);

impl<const D: usize, K> core::ops::Neg for Tensor<D, K>
where
    K: Numeric,
{
    type Output = Self;

    fn neg(self) -> Self::Output {
        Tensor::neg(self)
    }
}
